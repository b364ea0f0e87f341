import type { Settings } from '../task/settings.js';

export interface PlannedShard {
  readonly index: number;
  /** The shard's images: indexes `first` to `end - 1`. */
  readonly first: number;
  readonly end: number;
  readonly estimatedSeconds: number;
}

export interface ShardOptions {
  /** Plan at least this many shards when there are enough images (local runs: the worker count). */
  readonly minShards?: number;
}

/**
 * Split images, given by their estimated work (`estimateSeconds`, in image order), into shards of
 * consecutive images balanced by estimated work (bytes weighted by format), not by count.
 * The shard count is `SHARD_COUNT` when set, otherwise enough shards for about
 * `SHARD_TARGET_MINUTES` of work each; never more than `MAX_SHARDS` or the number of images.
 *
 * Each shard takes the next images until it holds its share of the work left (the work left over
 * the shards left); the image that crosses the share stays when that leaves the shard nearer to it.
 * So every shard is within about one image's work of an even split, and an image much larger than a
 * share sits alone. Consecutive images keep an item in one or two shards, and let the planner write
 * the shards' descriptions reading its columns in order. Deterministic for the same input.
 */
export function planShards(
  costs: ArrayLike<number>,
  settings: Pick<Settings, 'shardCount' | 'maxShards' | 'shardTargetMinutes'>,
  options: ShardOptions = {},
): PlannedShard[] {
  const images = costs.length;
  if (images === 0) return [];
  let total = 0;
  for (let index = 0; index < images; index++) total += costs[index] ?? 0;
  const wanted =
    settings.shardCount > 0
      ? settings.shardCount
      : Math.max(Math.ceil(total / (settings.shardTargetMinutes * 60)), options.minShards ?? 1);
  const count = Math.max(1, Math.min(wanted, settings.maxShards, images, 10_000));

  const shards: PlannedShard[] = [];
  let left = total;
  let next = 0;
  for (let index = 0; index < count; index++) {
    const share = left / (count - index);
    // Leave at least one image for each shard after this one.
    const last = images - (count - index - 1);
    const first = next;
    let work = costs[next++] ?? 0;
    while (next < last) {
      const cost = costs[next] ?? 0;
      if (work + cost > share && work + cost - share >= share - work) break;
      work += cost;
      next++;
    }
    if (index === count - 1) {
      for (; next < images; next++) work += costs[next] ?? 0;
    }
    left -= work;
    shards.push({ index, first, end: next, estimatedSeconds: work });
  }
  return shards;
}
