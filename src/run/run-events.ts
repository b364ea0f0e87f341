import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ImageFailure, RunRecord, RunReport } from './run-records.js';
import type { RunWarning } from './run-warning.js';

/** The `source` of every event iiif-batch publishes (an EventBridge rule matches on it). */
export const RUN_EVENT_SOURCE = 'iiif-batch';

/** How many failures and warnings an event carries (the report holds all; events are ≤ 256 KB). */
export const EVENT_LIST_LIMIT = 20;

/** The event of a run whose assembler wrote its report (`detail-type` "Run finished"). */
export interface RunFinishedDetail {
  readonly runId: string;
  /** `succeeded` when every image is published; else `failed` (failures, missing shards, CSV). */
  readonly status: 'succeeded' | 'failed';
  readonly task: {
    readonly jobName: string;
    readonly collection: string;
    /** The task file (`s3://…`) and the version of it that ran. */
    readonly file: string;
    readonly version: string | undefined;
  };
  readonly counts: RunReport['counts'] & { readonly items: number; readonly warnings: number };
  /** The first `EVENT_LIST_LIMIT` failures; `failuresOmitted` more are in the report. */
  readonly failures: readonly ImageFailure[];
  readonly failuresOmitted: number;
  readonly missingShards: readonly number[];
  /** The first `EVENT_LIST_LIMIT` warnings; `warningsOmitted` more are in the report. */
  readonly warnings: readonly RunWarning[];
  readonly warningsOmitted: number;
  /** Where the run report is (`s3://…/runs/{runId}/report.json`). */
  readonly report: string;
  readonly collection: { readonly location: string; readonly url: string } | undefined;
  readonly finishedAt: string;
}

/** The event of a task file the submitter refused (`detail-type` "Task rejected"). */
export interface TaskRejectedDetail {
  readonly runId: string;
  readonly status: 'rejected';
  /** The task file (`s3://…`) and the version the notification named. */
  readonly task: { readonly file: string; readonly version: string | undefined };
  readonly message: string;
  /** The field at fault (`AWS_SRC_BUCKET`, `environment[3].DEST_URL`, …), when known. */
  readonly field: string | undefined;
  /** Where the rejection is recorded (`s3://…/runs/{runId}/error.json`). */
  readonly report: string;
}

export type RunEvent =
  | { readonly detailType: 'Run finished'; readonly detail: RunFinishedDetail }
  | { readonly detailType: 'Task rejected'; readonly detail: TaskRejectedDetail };

/**
 * Tells the outside world that a run ended (or a task was refused): EventBridge in the cloud
 * (`EventBridgeRunEvents`), a log line otherwise (`LogRunEvents`). One event per finished run.
 */
export interface RunEvents {
  /** @throws when the event could not be delivered */
  publish(event: RunEvent): Promise<void>;
}

/** The "Run finished" event of a run and its report. */
export function runFinishedEvent(
  run: RunRecord,
  report: RunReport,
  locations: { readonly report: string; readonly collection: string | undefined },
): RunEvent {
  const warnings = report.warnings ?? [];
  return {
    detailType: 'Run finished',
    detail: {
      runId: report.runId,
      status: report.status,
      task: {
        jobName: run.task.jobName,
        collection: run.task.collectionId,
        file: run.source.location,
        version: run.source.version,
      },
      counts: { items: run.counts.items, ...report.counts, warnings: warnings.length },
      failures: report.failures.slice(0, EVENT_LIST_LIMIT),
      failuresOmitted: Math.max(0, report.failures.length - EVENT_LIST_LIMIT),
      missingShards: report.missingShards.slice(0, EVENT_LIST_LIMIT * 10),
      warnings: warnings.slice(0, EVENT_LIST_LIMIT),
      warningsOmitted: Math.max(0, warnings.length - EVENT_LIST_LIMIT),
      report: locations.report,
      collection:
        report.collection === undefined || locations.collection === undefined
          ? undefined
          : { location: locations.collection, url: report.collection.url },
      finishedAt: report.finishedAt,
    },
  };
}

/**
 * Publish an event without failing the caller: the report or error.json is the record of the run,
 * the event only a signal. A failure is logged as an error (with the event, so nothing is lost).
 */
export async function publishRunEvent(events: RunEvents | undefined, event: RunEvent, logger: Logger): Promise<void> {
  if (events === undefined) return;
  try {
    await events.publish(event);
    logger.info('event published', { event: 'event-published', detailType: event.detailType });
  } catch (error) {
    logger.error('could not publish the event', {
      event: 'event-failed',
      detailType: event.detailType,
      detail: event.detail,
      error: errorMessage(error),
    });
  }
}

/** Events as log lines (one JSON object each), where no event bus is configured (local runs). */
export class LogRunEvents implements RunEvents {
  public constructor(private readonly logger: Logger) {}

  public async publish(event: RunEvent): Promise<void> {
    this.logger.info(event.detailType, {
      source: RUN_EVENT_SOURCE,
      detailType: event.detailType,
      detail: event.detail,
    });
  }
}
