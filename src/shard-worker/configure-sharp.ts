import { availableParallelism } from 'node:os';
import sharp from 'sharp';

let configured = false;

/**
 * Process-wide libvips settings for tiling: no operation cache (every image is new, and cached
 * pixels only hold memory), and one worker thread per CPU. sharp's default on glibc Linux without
 * jemalloc is a single thread, which leaves a core idle; a thread per CPU keeps peak memory well
 * under 1 GiB even for 400-megapixel masters because every step streams.
 *
 * @param options.threads libvips threads, default: the CPUs available to this process
 */
export function configureSharp(options: { threads?: number } = {}): void {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new RangeError(`Expected integer between 1 and 1024 for threads but received ${threads}`);
  }
  sharp.cache(false);
  sharp.concurrency(threads);
  configured = true;
}

/** Apply the defaults of `configureSharp` unless the process configured sharp already. */
export function ensureSharpConfigured(): void {
  if (!configured) configureSharp();
}

/**
 * Encodes in flight while rendering a pyramid: two per libvips thread keeps every thread busy while
 * a job hands its tile to the uploads, within libuv's default pool of four threads.
 */
export function renderConcurrency(): number {
  return Math.min(4, 2 * sharp.concurrency());
}
