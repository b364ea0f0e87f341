import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A job the fake knows: a plain job, or an array job with children. */
export interface FakeJob {
  readonly jobId: string;
  readonly jobName: string;
  status: string;
  statusReason?: string;
  jobQueue: string;
  jobDefinition: string;
  children?: { index: number; status: string; statusReason?: string; exitCode?: number }[];
}

export interface FakeBatch {
  /** Use as `AWS_ENDPOINT_URL_BATCH`. */
  readonly endpoint: string;
  /** Every call, in order: the operation (`listjobs`, `describejobs`, `submitjob`) and its JSON body. */
  readonly calls: { operation: string; body: Record<string, unknown> }[];
  readonly jobs: Map<string, FakeJob>;
  stop(): Promise<void>;
}

/**
 * A stand-in for the AWS Batch API on 127.0.0.1, for tests that run the CLI as a child process
 * (where `aws-sdk-client-mock` cannot reach): it answers the REST-JSON calls the CLI makes —
 * ListJobs (children of an array job by status), DescribeJobs, SubmitJob — from `jobs`, and
 * records every call.
 */
export async function startFakeBatch(): Promise<FakeBatch> {
  const calls: FakeBatch['calls'] = [];
  const jobs = new Map<string, FakeJob>();
  let submitted = 0;

  const answer = (response: ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const operation = (request.url ?? '').replace(/^\/v1\//, '').replace(/\?.*$/, '');
    const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    calls.push({ operation, body });
    switch (operation) {
      case 'listjobs': {
        const parent = jobs.get(String(body.arrayJobId));
        const children = (parent?.children ?? []).filter((child) => child.status === body.jobStatus);
        answer(response, 200, {
          jobSummaryList: children.map((child) => ({
            jobId: `${parent?.jobId}:${child.index}`,
            jobName: parent?.jobName,
            status: child.status,
            ...(child.statusReason === undefined ? {} : { statusReason: child.statusReason }),
            ...(child.exitCode === undefined ? {} : { container: { exitCode: child.exitCode } }),
            arrayProperties: { index: child.index },
          })),
        });
        return;
      }
      case 'describejobs': {
        const ids = (body.jobs as string[] | undefined) ?? [];
        answer(response, 200, {
          jobs: ids
            .map((id) => jobs.get(id))
            .filter((job) => job !== undefined)
            .map(({ children: _children, ...job }) => ({ ...job, startedAt: 0 })),
        });
        return;
      }
      case 'submitjob': {
        submitted += 1;
        const jobId = `fake-job-${submitted}`;
        // Submitted jobs wait (PENDING) until a test changes them; an array job's children with them.
        const size = (body.arrayProperties as { size?: number } | undefined)?.size;
        jobs.set(jobId, {
          jobId,
          jobName: String(body.jobName),
          status: 'PENDING',
          jobQueue: String(body.jobQueue),
          jobDefinition: String(body.jobDefinition),
          ...(size === undefined
            ? {}
            : { children: Array.from({ length: size }, (_, index) => ({ index, status: 'PENDING' })) }),
        });
        answer(response, 200, {
          jobArn: `arn:aws:batch:us-east-1:123456789012:job/${jobId}`,
          jobName: body.jobName,
          jobId,
        });
        return;
      }
      default:
        answer(response, 400, { __type: 'ClientException', message: `fake Batch does not know ${operation}` });
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => answer(response, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    jobs,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
