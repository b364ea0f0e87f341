import { StorageError } from '../errors.js';

/** How often and how patiently a storage operation is retried on transient errors. */
export interface RetryPolicy {
  /** Tries in all, including the first; 1 means no retry. */
  readonly attempts: number;
  /** Upper bound of the first delay in milliseconds; doubles on each retry ("full jitter"). */
  readonly baseDelayMs: number;
  /** Upper bound of any delay in milliseconds. */
  readonly maxDelayMs: number;
  /** Waits (tests pass a fake). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** 6 tries over roughly 10 seconds at most: enough to ride out S3 throttling (503 Slow Down). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Transient storage errors (throttling, 5xx, connection resets) are worth another try. */
export function isTransient(error: unknown): boolean {
  return error instanceof StorageError && error.transient;
}

/**
 * Run `work`, retrying with exponential backoff and full jitter while it fails with a transient
 * `StorageError`. Other errors, and the last transient one, are thrown.
 */
export async function withRetries<T>(
  work: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransient(error) || attempt >= policy.attempts) throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(Math.random() * ceiling);
      onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
