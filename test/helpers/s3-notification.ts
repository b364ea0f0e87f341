/**
 * The body S3 sends to SQS for one created object: an S3 event notification whose object key is
 * form-URL-encoded, as S3 does (`tasks/box%202.json`, `+` for a space).
 */
export function s3Notification(bucket: string, encodedKey: string, eTag: string, size = 700): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2025-03-01T12:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:EXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'HOST' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'task-files',
          bucket: { name: bucket, ownerIdentity: { principalId: 'OWNER' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodedKey, size, eTag, sequencer: '0065F0A1B2C3D4E5F6' },
        },
      },
    ],
  });
}
