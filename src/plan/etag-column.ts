import type { JsonBytes } from '../util/json-bytes.js';
import { NumberColumn } from './number-column.js';
import { TextArena } from './text-arena.js';

const DIGEST_BYTES = 16;

/**
 * The ETags of listed files, in listing order. S3 gives an MD5 digest in quotes (`"<32 hex>"`), or
 * for a multipart upload the digest of its parts' digests and their count (`"<32 hex>-<parts>"`):
 * kept here as the digest's 16 bytes and the count, 20 bytes a file instead of 38 to 42 as text.
 * Any other ETag (a filesystem's fingerprint, uppercase digits) is kept as text, as it is.
 */
export class EtagColumn {
  private digests = new Uint8Array(DIGEST_BYTES * 1024);
  /** 0 for a digest, the part count of a multipart digest, or -1 - the id of the text in `others`. */
  private readonly kinds = new NumberColumn('int32');
  private readonly others = new TextArena();

  public get length(): number {
    return this.kinds.length;
  }

  public push(etag: string): void {
    const index = this.kinds.length;
    const parts = digestParts(etag);
    if (parts !== undefined && this.addDigest(index, etag)) this.kinds.push(parts);
    else this.kinds.push(-1 - this.others.add(etag));
  }

  /** Keep the digest of `etag` (after its opening quote) as entry `index`; `false` when it is not lowercase hex. */
  private addDigest(index: number, etag: string): boolean {
    if (DIGEST_BYTES * (index + 1) > this.digests.length) {
      const grown = new Uint8Array(2 * this.digests.length);
      grown.set(this.digests);
      this.digests = grown;
    }
    const at = DIGEST_BYTES * index;
    for (let byte = 0; byte < DIGEST_BYTES; byte++) {
      const high = hexValue(etag.charCodeAt(1 + 2 * byte));
      const low = hexValue(etag.charCodeAt(2 + 2 * byte));
      if ((high | low) < 0) return false;
      this.digests[at + byte] = (high << 4) | low;
    }
    return true;
  }

  public get(index: number): string {
    const kind = this.kinds.get(index);
    if (kind < 0) return this.others.get(-1 - kind);
    const at = DIGEST_BYTES * index;
    const digest = Buffer.from(this.digests.buffer, this.digests.byteOffset + at, DIGEST_BYTES).toString('hex');
    return kind === 0 ? `"${digest}"` : `"${digest}-${kind}"`;
  }

  /** Write ETag `index` to `out` as a JSON string (no string is made for a digest). */
  public writeJson(index: number, out: JsonBytes): void {
    const kind = this.kinds.get(index);
    if (kind < 0) {
      this.others.writeJson(-1 - kind, out);
      return;
    }
    out.raw('"\\"').hex(this.digests, DIGEST_BYTES * index, DIGEST_BYTES * (index + 1));
    if (kind > 0) out.raw(`-${kind}`);
    out.raw('\\""');
  }
}

/**
 * 0 when `etag` may be `"<32 lowercase hex>"`, N when it may be `"<32 lowercase hex>-N"` (N from 1,
 * no leading zero), else `undefined`; `addDigest` checks the digits.
 */
function digestParts(etag: string): number | undefined {
  const length = etag.length;
  if (etag.charCodeAt(0) !== 0x22 || etag.charCodeAt(length - 1) !== 0x22) return undefined;
  if (length === 34) return 0;
  // "-" then 1 to 9 digits, the first not 0: the count fits the column's 32 bits.
  if (length < 36 || length > 44 || etag.charCodeAt(33) !== 0x2d || etag.charCodeAt(34) === 0x30) return undefined;
  let parts = 0;
  for (let at = 34; at < length - 1; at++) {
    const digit = etag.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    parts = 10 * parts + digit;
  }
  return parts;
}

/** The value of a lowercase hexadecimal digit, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}
