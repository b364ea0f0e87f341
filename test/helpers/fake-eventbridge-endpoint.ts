import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One entry of a PutEvents call, its detail parsed. */
export interface CapturedEvent {
  readonly source: string;
  readonly detailType: string;
  readonly eventBusName: string | undefined;
  readonly detail: Record<string, unknown>;
}

export interface FakeEventBridge {
  /** Use as `AWS_ENDPOINT_URL_EVENTBRIDGE` (or a client's `endpoint`). */
  readonly endpoint: string;
  /** Every entry of every PutEvents call, in order. */
  readonly events: CapturedEvent[];
  stop(): Promise<void>;
}

/**
 * A stand-in for the EventBridge API on 127.0.0.1 for processes that `aws-sdk-client-mock` cannot
 * reach: it answers PutEvents (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`) and records each entry.
 */
export async function startFakeEventBridge(): Promise<FakeEventBridge> {
  const events: CapturedEvent[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target !== 'AWSEvents.PutEvents') {
      response
        .writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
      return;
    }
    const body = JSON.parse(text) as {
      Entries: { Source: string; DetailType: string; Detail: string; EventBusName?: string }[];
    };
    for (const entry of body.Entries) {
      events.push({
        source: entry.Source,
        detailType: entry.DetailType,
        eventBusName: entry.EventBusName,
        detail: JSON.parse(entry.Detail) as Record<string, unknown>,
      });
    }
    response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' }).end(
      JSON.stringify({
        FailedEntryCount: 0,
        Entries: body.Entries.map((_, index) => ({ EventId: `event-${events.length + index}` })),
      }),
    );
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
