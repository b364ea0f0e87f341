import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set size in MiB. On Linux it is `VmHWM` from `/proc/self/status`, the
 * peak of this program alone: `getrusage`'s `ru_maxrss` (`process.resourceUsage().maxRSS`) survives
 * `exec`, so a child started by a large parent (the benchmark, after tiling a 400-megapixel image)
 * reports the parent's peak at the time it forked. Elsewhere, `maxRSS` is all there is.
 */
export function peakRssMiB(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (match?.[1] !== undefined) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS / 1024;
}
