import {
  type BatchClient,
  DescribeJobsCommand,
  type JobDetail,
  type JobStatus,
  type JobSummary,
  ListJobsCommand,
} from '@aws-sdk/client-batch';
import {
  BATCH_JOB_STATUSES,
  type BatchJobReader,
  type BatchJobStatus,
  type BatchJobView,
} from '../operations/batch-jobs.js';

/** DescribeJobs takes at most 100 ids per call. */
const DESCRIBE_BATCH = 100;
/** ListJobs returns at most 1000 jobs per page when filtering by status. */
const LIST_PAGE = 1000;

/**
 * Reads job states from AWS Batch. The children of an array job come from `ListJobs` with
 * `arrayJobId`, once per status (without a status filter Batch lists only RUNNING jobs), every page.
 */
export class BatchStatusReader implements BatchJobReader {
  public constructor(private readonly client: BatchClient) {}

  public async listArrayChildren(arrayJobId: string): Promise<BatchJobView[]> {
    const children = new Map<string, BatchJobView>();
    for (const status of BATCH_JOB_STATUSES) {
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new ListJobsCommand({ arrayJobId, jobStatus: status as JobStatus, maxResults: LIST_PAGE, nextToken }),
        );
        for (const summary of page.jobSummaryList ?? []) {
          const view = fromSummary(summary, status);
          // A child that changed state between two calls may be listed twice: keep the later state.
          if (view !== undefined) children.set(view.jobId, view);
        }
        nextToken = page.nextToken === '' ? undefined : page.nextToken;
      } while (nextToken !== undefined);
    }
    return [...children.values()].sort((a, b) => (a.arrayIndex ?? 0) - (b.arrayIndex ?? 0));
  }

  public async describeJobs(jobIds: readonly string[]): Promise<BatchJobView[]> {
    const unique = [...new Set(jobIds)];
    const views: BatchJobView[] = [];
    for (let start = 0; start < unique.length; start += DESCRIBE_BATCH) {
      const answer = await this.client.send(
        new DescribeJobsCommand({ jobs: unique.slice(start, start + DESCRIBE_BATCH) }),
      );
      for (const detail of answer.jobs ?? []) {
        const view = fromDetail(detail);
        if (view !== undefined) views.push(view);
      }
    }
    return views;
  }
}

function fromSummary(summary: JobSummary, listedAs: BatchJobStatus): BatchJobView | undefined {
  if (summary.jobId === undefined) return undefined;
  return compact({
    jobId: summary.jobId,
    status: toStatus(summary.status) ?? listedAs,
    statusReason: summary.statusReason,
    exitCode: summary.container?.exitCode,
    containerReason: summary.container?.reason,
    arrayIndex: summary.arrayProperties?.index,
    jobDefinition: summary.jobDefinition,
  });
}

function fromDetail(detail: JobDetail): BatchJobView | undefined {
  const status = toStatus(detail.status);
  if (detail.jobId === undefined || status === undefined) return undefined;
  return compact({
    jobId: detail.jobId,
    status,
    statusReason: detail.statusReason,
    exitCode: detail.container?.exitCode,
    containerReason: detail.container?.reason,
    arrayIndex: detail.arrayProperties?.index,
    jobQueue: detail.jobQueue,
    jobDefinition: detail.jobDefinition,
  });
}

function toStatus(status: string | undefined): BatchJobStatus | undefined {
  return BATCH_JOB_STATUSES.find((known) => known === status);
}

/** Drop absent fields, so views compare and print cleanly. */
function compact(view: { [K in keyof BatchJobView]: BatchJobView[K] | undefined }): BatchJobView {
  return Object.fromEntries(Object.entries(view).filter(([, value]) => value !== undefined)) as unknown as BatchJobView;
}
