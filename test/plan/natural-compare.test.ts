import { describe, expect, it } from 'vitest';
import { naturalCompare } from '../../src/plan/natural-compare.js';

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** The definition: the collator, then code points. */
function reference(a: string, b: string): number {
  const natural = collator.compare(a, b);
  if (natural !== 0) return natural;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic pseudo-random numbers (a linear congruential generator). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('Function: naturalCompare', () => {
  it('orders numbers by value and letters without case, ties by code point', () => {
    const names = ['page10.jpg', 'Page2.jpg', 'page1.jpg', 'page02.jpg', 'page1b.jpg', 'page1a.jpg'];
    expect([...names].sort(naturalCompare)).toEqual([
      'page1.jpg',
      'page1a.jpg',
      'page1b.jpg',
      'Page2.jpg',
      'page02.jpg',
      'page10.jpg',
    ]);
  });

  it('agrees with the collator on names alike but for numbers, case, punctuation and accents', () => {
    // Prepare: 20,000 pairs from an alphabet that makes near-misses likely.
    const next = random(7);
    const alphabet = ['0', '0', '1', '2', '9', '9', 'a', 'A', 'b', 'é', 'E', '.', '_', '-', ' ', '١', '\u00ad', '\x01'];
    const name = (): string =>
      Array.from({ length: 1 + Math.floor(next() * 8) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');

    // Act / Assess
    for (let pair = 0; pair < 20_000; pair++) {
      const a = name();
      const b = next() < 0.5 ? a.slice(0, Math.floor(next() * a.length)) + name() : name();
      expect(Math.sign(naturalCompare(a, b)), `${a} vs ${b}`).toBe(Math.sign(reference(a, b)));
    }
  });
});
