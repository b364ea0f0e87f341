import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventBridgeRunEvents } from '../../src/aws/eventbridge-run-events.js';
import type { RunEvent } from '../../src/run/run-events.js';

const rejected: RunEvent = {
  detailType: 'Task rejected',
  detail: {
    runId: 'Box2-0123456789ab',
    status: 'rejected',
    task: { file: 's3://iiif-tasks/tasks/box2.json', version: 'v1' },
    message: 'AWS_SRC_BUCKET "img-pub" is not a source bucket this deployment may use',
    field: 'AWS_SRC_BUCKET',
    report: 's3://iiif-tasks/runs/Box2-0123456789ab/error.json',
  },
};

describe('Class: EventBridgeRunEvents', () => {
  const eventBridge = mockClient(EventBridgeClient);
  // Without test isolation (vitest.config.ts) the next file in this worker gets the real client.
  afterAll(() => eventBridge.restore());
  afterEach(() => eventBridge.reset());

  it('puts one entry with source iiif-batch, the detail type and the detail as JSON on the bus', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const events = new EventBridgeRunEvents(new EventBridgeClient({ region: 'us-east-1' }), 'iiif-bus');

    // Act
    await events.publish(rejected);

    // Assess
    const calls = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      {
        Entries: [
          {
            Source: 'iiif-batch',
            DetailType: 'Task rejected',
            Detail: JSON.stringify(rejected.detail),
            EventBusName: 'iiif-bus',
          },
        ],
      },
    ]);
  });

  it('throws, naming the bus and the error, when EventBridge refuses the entry', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not authorized' }],
    });
    const events = new EventBridgeRunEvents(new EventBridgeClient({ region: 'us-east-1' }), 'default');

    // Act / Assess
    await expect(events.publish(rejected)).rejects.toThrow(
      'EventBridge bus default refused the Task rejected event of run Box2-0123456789ab: AccessDeniedException not authorized',
    );
  });
});
