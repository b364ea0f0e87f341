import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MessageQueue, QueueMessage } from '../operations/dead-letters.js';

/** Long-poll for a second, so an empty answer means the queue is empty rather than "sampled no server". */
const WAIT_SECONDS = 1;

/** The SQS side of `iiif-batch dlq`: receive, release, send and delete messages. */
export class SqsMessageQueue implements MessageQueue {
  public constructor(private readonly client: SQSClient) {}

  public async receive(queueUrl: string, max: number, visibilitySeconds: number): Promise<QueueMessage[]> {
    const answer = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: WAIT_SECONDS,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages: QueueMessage[] = [];
    for (const message of answer.Messages ?? []) {
      if (message.MessageId === undefined || message.ReceiptHandle === undefined) continue;
      const count = Number(message.Attributes?.ApproximateReceiveCount);
      const sent = Number(message.Attributes?.SentTimestamp);
      messages.push({
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        body: message.Body ?? '',
        ...(Number.isFinite(count) ? { receiveCount: count } : {}),
        ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
        ...(message.MessageAttributes === undefined || Object.keys(message.MessageAttributes).length === 0
          ? {}
          : { attributes: message.MessageAttributes }),
      });
    }
    return messages;
  }

  public async release(queueUrl: string, message: QueueMessage): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  }

  public async send(queueUrl: string, message: QueueMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: message.body,
        ...(message.attributes === undefined
          ? {}
          : { MessageAttributes: message.attributes as Record<string, MessageAttributeValue> }),
      }),
    );
  }

  public async delete(queueUrl: string, message: QueueMessage): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receiptHandle }));
  }
}
