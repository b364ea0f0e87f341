import { TaskFileError } from '../errors.js';
import { decodeUtf8 } from '../util/decode-utf8.js';

/**
 * The text of a task file, which must be UTF-8 (JSON's encoding): a file saved as Latin-1 or
 * Windows-1252 would otherwise publish its collection under a name with U+FFFD in it. A UTF-8
 * byte-order mark (as Windows Notepad writes) is accepted and removed.
 *
 * @param source where the bytes came from, named in the error
 * @throws TaskFileError naming the line, column and byte offset of the first byte that is not UTF-8,
 *   or saying the file is UTF-16
 */
export function decodeTaskFile(bytes: Uint8Array, source: string): string {
  const decoded = decodeUtf8(bytes);
  if (decoded.ok) return decoded.text;
  const { problem } = decoded;
  const what =
    problem.kind === 'utf-16'
      ? 'the task file is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8'
      : `the task file is not UTF-8: line ${problem.line}, column ${problem.column} (byte offset ${problem.offset}) holds the byte 0x${problem.byte}, which UTF-8 does not allow there (a Latin-1 or Windows-1252 character?)`;
  throw new TaskFileError(`${source}: ${what}; save it as UTF-8`, { source });
}
