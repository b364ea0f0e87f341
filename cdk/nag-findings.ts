import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (v3) reports each wildcard of a policy as its own finding, `AwsSolutions-IAM5[<finding>]`,
 * and each must be acknowledged by that exact id. These helpers name the findings that
 * `Bucket.grant*` methods produce, so that every acknowledgement in the stack is explicit.
 */

/** The action wildcards of `Bucket.grantRead`. */
export const S3_READ_ACTIONS = ['Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*'] as const;
/** The further action wildcards of `Bucket.grantReadWrite`. */
export const S3_WRITE_ACTIONS = ['Action::s3:Abort*', 'Action::s3:DeleteObject*'] as const;

/** The finding for "every object of this bucket" (`arn:...:bucket/*`), as cdk-nag renders it. */
export function s3ObjectsFinding(bucket: s3.IBucket): string {
  const stack = Stack.of(bucket);
  const cfnBucket = bucket.node.defaultChild;
  if (cfnBucket instanceof s3.CfnBucket) {
    return `Resource::<${stack.resolve(cfnBucket.logicalId) as string}.Arn>/*`;
  }
  const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
  return `Resource::arn:${partition}:s3:::${bucket.bucketName}/*`;
}

/** The finding for "every Batch job of this account and region" (`arn:...:job/*`). */
export function batchJobsFinding(stack: Stack): string {
  const part = (value: string, name: string): string => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
  return `Resource::arn:${part(stack.partition, 'Partition')}:batch:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:job/*`;
}

/** Acknowledges the named IAM5 findings on `scope` (a role, or a construct holding it). */
export function acknowledgeWildcards(scope: IConstruct, findings: readonly string[], reason: string): void {
  Validations.of(scope).acknowledge(...findings.map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason })));
}
