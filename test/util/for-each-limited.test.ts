import { describe, expect, it } from 'vitest';
import { forEachLimited, mapLimit } from '../../src/util/for-each-limited.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Function: mapLimit', () => {
  it('keeps input order and never has more than the limit in flight', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;

    // Act
    const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (value) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick(value);
      inFlight -= 1;
      return value * 10;
    });

    // Assess
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(2);
  });

  it('starts nothing new after a failure, waits for calls in flight, then throws the first error', async () => {
    // Prepare
    const started: number[] = [];
    let finished = 0;

    // Act
    const act = forEachLimited([0, 1, 2, 3, 4, 5], 2, async (value) => {
      started.push(value);
      if (value === 1) throw new Error('boom 1');
      await tick(5);
      finished += 1;
    });

    // Assess
    await expect(act).rejects.toThrow('boom 1');
    expect(started).toEqual([0, 1]);
    expect(finished).toBe(1);
  });

  it('handles no items', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
