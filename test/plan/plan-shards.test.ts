import { describe, expect, it } from 'vitest';
import { estimateSeconds } from '../../src/plan/estimate-seconds.js';
import { planShards } from '../../src/plan/plan-shards.js';
import type { PlannedImage } from '../../src/run/run-records.js';
import { DEFAULT_SETTINGS } from '../../src/task/settings.js';

function image(index: number, bytes: number, format: PlannedImage['format'] = 'jpeg'): PlannedImage {
  return {
    item: `item${Math.floor(index / 10)}`,
    sourceKey: `k/${index}.jpg`,
    name: String(index),
    format,
    bytes,
    etag: 'e',
  };
}

/** `planShards` on the images' estimated work, with each shard's images looked up again. */
function plan(
  images: readonly PlannedImage[],
  ...rest: Parameters<typeof planShards> extends [unknown, ...infer R] ? R : never
) {
  return planShards(
    images.map((planned) => estimateSeconds(planned)),
    ...rest,
  ).map((shard) => ({
    ...shard,
    images: images.slice(shard.first, shard.end),
  }));
}

describe('Function: planShards', () => {
  it('plans nothing for no images', () => {
    expect(plan([], DEFAULT_SETTINGS)).toEqual([]);
  });

  it('puts a small collection in one shard', () => {
    // Act
    const shards = plan([image(0, 1e6), image(1, 2e6)], DEFAULT_SETTINGS);

    // Assess
    expect(shards).toHaveLength(1);
    expect(shards[0]?.images.map((planned) => planned.sourceKey)).toEqual(['k/0.jpg', 'k/1.jpg']);
  });

  it('sizes shards to the target minutes of estimated work', () => {
    // Prepare: 200 TIFFs of 300 MB each: far more than 10 minutes in all.
    const images = Array.from({ length: 200 }, (_, index) => image(index, 300e6, 'tiff'));
    const total = images.reduce((sum, planned) => sum + estimateSeconds(planned), 0);

    // Act
    const shards = plan(images, { ...DEFAULT_SETTINGS, shardTargetMinutes: 10 });

    // Assess
    expect(shards).toHaveLength(Math.ceil(total / 600));
    for (const shard of shards)
      expect(shard.estimatedSeconds).toBeLessThanOrEqual(600 + estimateSeconds(images[0] as PlannedImage));
  });

  it('balances by work, not by count', () => {
    // Prepare: one huge TIFF and many small JPEGs.
    const images = [image(0, 2e9, 'tiff'), ...Array.from({ length: 99 }, (_, index) => image(index + 1, 2e6))];

    // Act
    const shards = plan(images, { ...DEFAULT_SETTINGS, shardCount: 4 });

    // Assess: the huge image sits alone (or nearly) and the others share the rest evenly.
    const huge = shards.find((shard) => shard.images.some((planned) => planned.sourceKey === 'k/0.jpg'));
    expect(huge?.images.length).toBeLessThan(5);
    const others = shards.filter((shard) => shard !== huge).map((shard) => shard.estimatedSeconds);
    expect(Math.max(...others) - Math.min(...others)).toBeLessThanOrEqual(
      estimateSeconds(images[1] as PlannedImage) + 1e-9,
    );
  });

  it('keeps every image exactly once, shards holding consecutive images in order, each near an even split', () => {
    // Prepare
    const images = Array.from({ length: 57 }, (_, index) => image(index, 1e5 * ((index * 7919) % 13) + 1));
    const costs = images.map((planned) => estimateSeconds(planned));
    const total = costs.reduce((sum, cost) => sum + cost, 0);

    // Act
    const shards = plan(images, { ...DEFAULT_SETTINGS, shardCount: 6 });

    // Assess
    const keys = shards.flatMap((shard) => shard.images.map((planned) => planned.sourceKey));
    expect(keys).toEqual(images.map((planned) => planned.sourceKey));
    expect(shards.map((shard) => shard.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const shard of shards) {
      expect(Math.abs(shard.estimatedSeconds - total / 6)).toBeLessThanOrEqual(Math.max(...costs));
    }
  });

  it('honours minShards, MAX_SHARDS and never plans more shards than images', () => {
    // Prepare
    const three = [image(0, 1e6), image(1, 1e6), image(2, 1e6)];
    const many = Array.from({ length: 50 }, (_, index) => image(index, 1e6));

    // Act / Assess
    expect(plan(three, DEFAULT_SETTINGS, { minShards: 8 })).toHaveLength(3);
    expect(plan(many, DEFAULT_SETTINGS, { minShards: 8 })).toHaveLength(8);
    expect(plan(many, { ...DEFAULT_SETTINGS, shardCount: 20, maxShards: 5 })).toHaveLength(5);
  });

  it('is deterministic', () => {
    // Prepare
    const images = Array.from({ length: 100 }, (_, index) => image(index, 1e6 + ((index * 31) % 17) * 1e5));

    // Act / Assess
    expect(plan(images, { ...DEFAULT_SETTINGS, shardCount: 7 })).toEqual(
      plan(images, { ...DEFAULT_SETTINGS, shardCount: 7 }),
    );
  });
});
