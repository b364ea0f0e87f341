import { PutObjectCommand, type PutObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, StorageError } from '../errors.js';
import type { TaskFileUploader } from '../operations/submit-task-file.js';
import { isTransientAwsError } from '../storage/s3-storage.js';

/**
 * Uploads a task file to the task bucket with PutObject, whose answer carries the version the
 * submitter will see in the S3 event (the version id on a versioned bucket, else the ETag).
 */
export class S3TaskFileUploader implements TaskFileUploader {
  public constructor(private readonly client: S3Client) {}

  public describe(bucket: string, key: string): string {
    return `s3://${bucket}/${key}`;
  }

  public async upload(bucket: string, key: string, body: Buffer): Promise<{ etag: string; versionId?: string }> {
    let answer: PutObjectCommandOutput;
    try {
      answer = await this.client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
      );
    } catch (error) {
      throw new StorageError(
        `Uploading the task file to s3://${bucket}/${key} failed: ${errorMessage(error)}`,
        { bucket, key, transient: isTransientAwsError(error) },
        { cause: error },
      );
    }
    if (answer.ETag === undefined || answer.ETag === '') {
      throw new StorageError(`Uploading the task file to s3://${bucket}/${key} returned no ETag`, { bucket, key });
    }
    return {
      etag: answer.ETag.replace(/^"|"$/g, ''),
      ...(answer.VersionId === undefined || answer.VersionId === '' || answer.VersionId === 'null'
        ? {}
        : { versionId: answer.VersionId }),
    };
  }
}
