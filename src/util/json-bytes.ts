/** JSON's escapes of the characters below 0x20, `"` and `\` (the rest are written as they are). */
const ESCAPES: readonly (string | undefined)[] = Array.from({ length: 128 }, (_, code) => {
  if (code === 0x22) return '\\"';
  if (code === 0x5c) return '\\\\';
  if (code >= 0x20) return undefined;
  return { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[code] ?? `\\u${code.toString(16).padStart(4, '0')}`;
});
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/**
 * A JSON document written piece by piece into one buffer that is kept and reused, for the large
 * records the submitter writes (shard descriptions, item parts: a million images' worth). Writing
 * them straight from the planner's columns makes no object per image and no string of the whole
 * document (which V8 keeps in its old generation until a full collection), so writing them costs
 * little time and no memory beyond the buffer. The bytes are those `JSON.stringify` gives.
 */
export class JsonBytes {
  private bytes: Buffer;
  private at = 0;

  public constructor(initialBytes = 64 * 1024) {
    this.bytes = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** The bytes written so far, not a copy: valid until the next write after `reset`. */
  public view(): Buffer {
    return this.bytes.subarray(0, this.at);
  }

  /** Start a new document in the same buffer. */
  public reset(): this {
    this.at = 0;
    return this;
  }

  /** ASCII text written as it is: punctuation, property names, numbers. */
  public raw(text: string): this {
    this.room(text.length);
    for (let index = 0; index < text.length; index++) this.bytes[this.at++] = text.charCodeAt(index);
    return this;
  }

  /** Any value as `JSON.stringify` writes it (`null` for what it leaves out). */
  public value(value: unknown): this {
    const text = JSON.stringify(value) ?? 'null';
    this.room(Buffer.byteLength(text));
    this.at += this.bytes.write(text, this.at, 'utf8');
    return this;
  }

  public number(value: number): this {
    return this.raw(Number.isFinite(value) ? String(value) : 'null');
  }

  /** A string, quoted and escaped. */
  public string(text: string): this {
    this.room(text.length + 2);
    const start = this.at;
    this.bytes[this.at++] = 0x22;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code > 127 || ESCAPES[code] !== undefined) {
        this.at = start;
        return this.value(text);
      }
      this.bytes[this.at++] = code;
    }
    this.bytes[this.at++] = 0x22;
    return this;
  }

  /**
   * A string of the UTF-8 text in `source` from `start` to `end`, quoted and escaped, with `suffix`
   * (ASCII that needs no escape) at its end.
   */
  public utf8(source: Uint8Array, start: number, end: number, suffix = ''): this {
    this.room(end - start + suffix.length + 2);
    this.bytes[this.at++] = 0x22;
    for (let index = start; index < end; index++) {
      const byte = source[index] as number;
      const escaped = byte < 128 ? ESCAPES[byte] : undefined;
      if (escaped === undefined) this.bytes[this.at++] = byte;
      else this.raw(escaped).room(end - index + suffix.length);
    }
    this.raw(suffix);
    this.bytes[this.at++] = 0x22;
    return this;
  }

  /** The bytes of `source` from `start` to `end` as lowercase hexadecimal digits, unquoted. */
  public hex(source: Uint8Array, start: number, end: number): this {
    this.room(2 * (end - start));
    for (let index = start; index < end; index++) {
      const byte = source[index] as number;
      this.bytes[this.at++] = HEX_DIGITS[byte >> 4] as number;
      this.bytes[this.at++] = HEX_DIGITS[byte & 15] as number;
    }
    return this;
  }

  /** Make room for `length` more bytes (the buffer doubles, keeping what is written). */
  private room(length: number): this {
    if (this.at + length <= this.bytes.length) return this;
    const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, this.at + length));
    this.bytes.copy(grown, 0, 0, this.at);
    this.bytes = grown;
    return this;
  }
}
