/** Where a byte sequence stops being UTF-8. */
export interface Utf8Problem {
  /** `utf-16`: the bytes start with a UTF-16 byte-order mark; `invalid`: a byte that is not UTF-8. */
  readonly kind: 'utf-16' | 'invalid';
  /** 0-based byte offset of the first byte that is not UTF-8. */
  readonly offset: number;
  /** 1-based line and column (in characters) of that byte. */
  readonly line: number;
  readonly column: number;
  /** The offending byte, as two hex digits. */
  readonly byte: string;
}

export type Utf8Result =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly problem: Utf8Problem };

/**
 * Decode bytes as strict UTF-8 (`TextDecoder` with `fatal`), or say where they are not: a Latin-1
 * or Windows-1252 file (an `é` saved as the single byte E9) is refused rather than read with U+FFFD
 * in its names. A UTF-8 byte-order mark is removed; a UTF-16 one is named as such.
 */
export function decodeUtf8(bytes: Uint8Array): Utf8Result {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, problem: { kind: 'utf-16', offset: 0, line: 1, column: 1, byte: hex(bytes[0]) } };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { ok: false, problem: locate(bytes) };
  }
}

/** The first invalid byte: the lenient decode's first U+FFFD that the bytes do not spell as EF BF BD. */
function locate(bytes: Uint8Array): Utf8Problem {
  const lenient = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const encoder = new TextEncoder();
  let from = 0;
  for (;;) {
    const index = lenient.indexOf('\uFFFD', from);
    const prefix = lenient.slice(0, index < 0 ? lenient.length : index);
    const offset = encoder.encode(prefix).length;
    const spelled = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (index < 0 || !spelled) {
      const lines = prefix.split(/\r\n|\r|\n/);
      const column = [...(lines[lines.length - 1] ?? '')].length + 1;
      return { kind: 'invalid', offset, line: lines.length, column, byte: hex(bytes[offset]) };
    }
    from = index + 1;
  }
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).toUpperCase().padStart(2, '0');
}
