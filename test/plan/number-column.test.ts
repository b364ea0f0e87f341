import { describe, expect, it } from 'vitest';
import { NumberColumn } from '../../src/plan/number-column.js';

describe('NumberColumn', () => {
  it('keeps every pushed number in order while growing past its first allocation', () => {
    // Prepare
    const sizes = new NumberColumn('float64');
    const values = Array.from({ length: 3000 }, (_, index) => index * 1_000_003 + 0.5);

    // Act
    for (const value of values) sizes.push(value);

    // Assess
    expect(sizes.length).toBe(3000);
    expect(sizes.get(2999)).toBe(values[2999]);
    expect(sizes.toArray()).toEqual(values);
  });

  it('stores int32 values as integers and rejects an index outside the list', () => {
    // Prepare
    const indexes = new NumberColumn('int32');
    indexes.push(7);
    indexes.push(-1);

    // Act + Assess
    expect(indexes.toArray()).toEqual([7, -1]);
    expect(() => indexes.get(2)).toThrow(/Expected an index below 2 but received 2/);
    expect(() => indexes.get(-1)).toThrow(RangeError);
  });
});
