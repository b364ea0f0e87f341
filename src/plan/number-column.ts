/**
 * A growing list of numbers in one typed array: a million numbers cost 4 (`int32`) or 8
 * (`float64`) bytes each outside the JavaScript heap, where a plain array costs 8 to 16 bytes each
 * (unboxed doubles or tagged values, plus growth slack) that every garbage collection scans.
 */
export class NumberColumn {
  private values: Int32Array | Float64Array;
  private count = 0;

  /** @param kind `int32` for indexes and counts, `float64` for sizes and estimates */
  public constructor(private readonly kind: 'int32' | 'float64') {
    this.values = kind === 'int32' ? new Int32Array(1024) : new Float64Array(1024);
  }

  public get length(): number {
    return this.count;
  }

  public push(value: number): void {
    if (this.count === this.values.length) {
      const grown = this.kind === 'int32' ? new Int32Array(this.count * 2) : new Float64Array(this.count * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }

  public get(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`Expected an index below ${this.count} but received ${index}`);
    }
    return this.values[index] as number;
  }

  /** The numbers as a plain array (a copy). */
  public toArray(): number[] {
    return Array.from(this.values.subarray(0, this.count));
  }
}
