import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface PublishingBucketsProps {
  /**
   * Existing buckets holding the masters; they are only read.
   * @default [] (nothing can be read)
   */
  readonly sourceBucketNames?: readonly string[];
  /**
   * An existing bucket to publish tiles and manifests to.
   * @default - a new bucket (block public access, TLS only, SSE-S3, retained on stack deletion)
   */
  readonly destinationBucketName?: string;
  /** Days to keep S3 server access logs. @default 90 */
  readonly accessLogRetentionDays?: number;
}

/**
 * The buckets of the pipeline other than the task bucket: the sources (existing, read-only), the
 * destination (existing or created) and a bucket for the server access logs of created buckets.
 */
export class PublishingBuckets extends Construct {
  public readonly sources: readonly s3.IBucket[];
  public readonly destination: s3.IBucket;
  /** Whether the destination was created by this stack (its policy can be managed here). */
  public readonly destinationCreated: boolean;
  /** Receives the server access logs of every bucket this stack creates. */
  public readonly accessLogs: s3.Bucket;

  public constructor(scope: Construct, id: string, props: PublishingBucketsProps = {}) {
    super(scope, id);
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secureBucketDefaults(),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays ?? 90) }],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.sources = (props.sourceBucketNames ?? []).map((name, index) =>
      s3.Bucket.fromBucketName(this, `Source${index}`, name),
    );
    if (props.destinationBucketName !== undefined) {
      this.destination = s3.Bucket.fromBucketName(this, 'Destination', props.destinationBucketName);
      this.destinationCreated = false;
    } else {
      this.destination = new s3.Bucket(this, 'Destination', {
        ...secureBucketDefaults(),
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: 'destination/',
        // Published IIIF is the product: keep it when the stack goes.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.destinationCreated = true;
    }
  }
}

/** Block public access, TLS only, encryption at rest (SSE-S3, which CloudFront OAC can read). */
export function secureBucketDefaults(): Pick<
  s3.BucketProps,
  'blockPublicAccess' | 'enforceSSL' | 'encryption' | 'minimumTLSVersion'
> {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    encryption: s3.BucketEncryption.S3_MANAGED,
  };
}
