import type { Settings } from '../task/settings.js';

export interface PlannedShard {
  readonly index: number;
  /** Indexes of the shard's images, ascending. */
  readonly images: number[];
  readonly estimatedSeconds: number;
}

export interface ShardOptions {
  /** Plan at least this many shards when there are enough images (local runs: the worker count). */
  readonly minShards?: number;
}

/**
 * Split images, given by their estimated work (`estimateSeconds`, in image order), into shards balanced by estimated work (bytes weighted by format), not by count.
 * The shard count is `SHARD_COUNT` when set, otherwise enough shards for about
 * `SHARD_TARGET_MINUTES` of work each; never more than `MAX_SHARDS` or the number of images.
 * Images are assigned largest first to the least-loaded shard (LPT), then each shard keeps the
 * images in their original (item, natural) order. Deterministic for the same input.
 */
export function planShards(
  costs: readonly number[],
  settings: Pick<Settings, 'shardCount' | 'maxShards' | 'shardTargetMinutes'>,
  options: ShardOptions = {},
): PlannedShard[] {
  if (costs.length === 0) return [];
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  const wanted =
    settings.shardCount > 0
      ? settings.shardCount
      : Math.max(Math.ceil(total / (settings.shardTargetMinutes * 60)), options.minShards ?? 1);
  const count = Math.max(1, Math.min(wanted, settings.maxShards, costs.length, 10_000));

  const order = costs.map((_, index) => index).sort((a, b) => (costs[b] ?? 0) - (costs[a] ?? 0) || a - b);
  const heap = new LoadHeap(count);
  const members: number[][] = Array.from({ length: count }, () => []);
  for (const index of order) {
    const shard = heap.takeLightest(costs[index] ?? 0);
    members[shard]?.push(index);
  }
  return members.map((indexes, shard) => {
    indexes.sort((a, b) => a - b);
    return {
      index: shard,
      images: indexes,
      estimatedSeconds: indexes.reduce((sum, index) => sum + (costs[index] ?? 0), 0),
    };
  });
}

/** A binary min-heap of shard loads; ties go to the lower shard number. */
class LoadHeap {
  private readonly loads: number[];
  private readonly shards: number[];

  public constructor(count: number) {
    this.loads = new Array<number>(count).fill(0);
    this.shards = Array.from({ length: count }, (_, index) => index);
  }

  /** Add `cost` to the least-loaded shard and return its number. */
  public takeLightest(cost: number): number {
    const shard = this.shards[0] ?? 0;
    this.loads[0] = (this.loads[0] ?? 0) + cost;
    this.siftDown(0);
    return shard;
  }

  private less(a: number, b: number): boolean {
    const loadA = this.loads[a] ?? 0;
    const loadB = this.loads[b] ?? 0;
    return loadA < loadB || (loadA === loadB && (this.shards[a] ?? 0) < (this.shards[b] ?? 0));
  }

  private siftDown(start: number): void {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.loads.length && this.less(left, smallest)) smallest = left;
      if (right < this.loads.length && this.less(right, smallest)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(a: number, b: number): void {
    [this.loads[a], this.loads[b]] = [this.loads[b] ?? 0, this.loads[a] ?? 0];
    [this.shards[a], this.shards[b]] = [this.shards[b] ?? 0, this.shards[a] ?? 0];
  }
}
