/**
 * A growing list of numbers in one typed array: a million numbers cost 1 (`uint8`), 4 (`int32`) or
 * 8 (`float64`) bytes each outside the JavaScript heap, where a plain array costs 8 to 16 bytes each
 * (unboxed doubles or tagged values, plus growth slack) that every garbage collection scans.
 */
export class NumberColumn {
  private values: Uint8Array | Int32Array | Float64Array;
  private count = 0;

  /** @param kind `uint8` for small codes, `int32` for indexes and counts, `float64` for sizes and estimates */
  public constructor(private readonly kind: 'uint8' | 'int32' | 'float64') {
    this.values = allocate(kind, 1024);
  }

  public get length(): number {
    return this.count;
  }

  public push(value: number): void {
    if (this.count === this.values.length) {
      const grown = allocate(this.kind, this.count * 2);
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

  /** The numbers as they are stored, not a copy: valid until the next `push`. */
  public view(): ArrayLike<number> {
    return this.values.subarray(0, this.count);
  }

  /** The numbers as a plain array (a copy). */
  public toArray(): number[] {
    return Array.from(this.values.subarray(0, this.count));
  }
}

function allocate(kind: 'uint8' | 'int32' | 'float64', length: number): Uint8Array | Int32Array | Float64Array {
  if (kind === 'uint8') return new Uint8Array(length);
  return kind === 'int32' ? new Int32Array(length) : new Float64Array(length);
}
