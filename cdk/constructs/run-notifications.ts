import { RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { RUN_EVENT_SOURCE } from '../../src/run/run-events.js';

export interface RunNotificationsProps {
  /** The bus the pipeline puts its events on. */
  readonly bus: events.IEventBus;
  /** Addresses subscribed to the topic (at least one). */
  readonly email: readonly string[];
}

/**
 * E-mail for run events: an EventBridge rule on the pipeline's bus (source "iiif-batch", "Run
 * finished" and "Task rejected") → an SNS topic encrypted with its own KMS key (rotated; EventBridge
 * may use it to publish) → one e-mail subscription per address.
 */
export class RunNotifications extends Construct {
  public readonly topic: sns.Topic;
  public readonly rule: events.Rule;

  public constructor(scope: Construct, id: string, props: RunNotificationsProps) {
    super(scope, id);
    const key = new kms.Key(this, 'TopicKey', {
      description: 'iiif-batch run notifications topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // EventBridge publishes to the encrypted topic, so it must be able to use the key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'iiif-batch runs',
      masterKey: key,
      enforceSSL: true,
    });
    for (const address of props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(address));
    this.rule = new events.Rule(this, 'Rule', {
      description: 'iiif-batch: a run finished or a task file was rejected',
      eventBus: props.bus,
      eventPattern: { source: [RUN_EVENT_SOURCE], detailType: ['Run finished', 'Task rejected'] },
      targets: [new targets.SnsTopic(this.topic)],
    });
  }
}
