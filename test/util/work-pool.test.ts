import { describe, expect, it } from 'vitest';
import { WorkPool } from '../../src/util/work-pool.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Class: WorkPool', () => {
  it('runs at most `limit` calls at once and drains them all', async () => {
    // Prepare
    const pool = new WorkPool(3);
    let running = 0;
    let most = 0;
    const done: number[] = [];

    // Act
    for (let index = 0; index < 20; index++) {
      await pool.start(async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
        done.push(index);
      });
    }
    await pool.drain();

    // Assess
    expect(most).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });

  it('starts nothing after a failure and throws it once the calls in flight are done', async () => {
    // Prepare
    const pool = new WorkPool(2);
    const started: number[] = [];
    const work = (index: number) => async () => {
      started.push(index);
      await tick();
      if (index === 1) throw new Error('read failed');
    };

    // Act
    await pool.start(work(0));
    await pool.start(work(1));
    const later = pool.start(work(2)).then(() => pool.start(work(3)));

    // Assess
    await expect(later).rejects.toThrow('read failed');
    await expect(pool.drain()).rejects.toThrow('read failed');
    expect(started).not.toContain(3);
  });

  it('rejects a limit below 1', () => {
    expect(() => new WorkPool(0)).toThrow(/Expected an integer of at least 1 for limit but received 0/);
  });
});
