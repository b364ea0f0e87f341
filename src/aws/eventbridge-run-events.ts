import { EventBridgeClient, type EventBridgeClientConfig, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { RUN_EVENT_SOURCE, type RunEvent, type RunEvents } from '../run/run-events.js';

/**
 * The one place an EventBridge client is built. The SDK reads the region, credentials,
 * `AWS_ENDPOINT_URL_EVENTBRIDGE` / `AWS_ENDPOINT_URL` and `AWS_MAX_ATTEMPTS` itself.
 */
export function createEventBridgeClient(overrides: EventBridgeClientConfig = {}): EventBridgeClient {
  return new EventBridgeClient({ ...overrides });
}

/**
 * Run events on an EventBridge bus: one `PutEvents` entry per event, `source` "iiif-batch",
 * `detail-type` "Run finished" or "Task rejected", the detail as JSON.
 */
export class EventBridgeRunEvents implements RunEvents {
  public constructor(
    private readonly client: EventBridgeClient,
    /** Bus name or ARN; `default` is the account's default bus. */
    private readonly eventBusName: string,
  ) {}

  public async publish(event: RunEvent): Promise<void> {
    const answer = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: RUN_EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            EventBusName: this.eventBusName,
          },
        ],
      }),
    );
    const entry = answer.Entries?.[0];
    if ((answer.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode !== undefined) {
      throw new Error(
        `EventBridge bus ${this.eventBusName} refused the ${event.detailType} event of run ${event.detail.runId}: ${entry?.ErrorCode ?? 'unknown error'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}
