import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps {
  readonly removalPolicy: RemovalPolicy;
  /** Server access logs go here under `<id>/`; omit only for the access-log bucket itself. */
  readonly accessLogs?: IBucket;
  readonly expireAfter?: Duration;
}

/** S3 defaults every Artana bucket shares: encrypted, TLS only, no public access, versioned, access-logged. */
export const secureBucket = (scope: Construct, id: string, props: SecureBucketProps): Bucket =>
  new Bucket(scope, id, {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: props.removalPolicy,
    autoDeleteObjects: false,
    ...(props.accessLogs ? { serverAccessLogsBucket: props.accessLogs, serverAccessLogsPrefix: `${id}/` } : {}),
    ...(props.expireAfter ? { lifecycleRules: [{ expiration: props.expireAfter, noncurrentVersionExpiration: Duration.days(30) }] } : {}),
  });
