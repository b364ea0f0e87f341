import { errorMessage, InfrastructureError } from '../errors.js';

const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT']);
/** How libc, libvips and libtiff word a full disk in messages that carry no error code. */
const NO_SPACE_MESSAGE = /no space left on device|disk quota exceeded|\bENOSPC\b|\bEDQUOT\b/i;

/**
 * An `InfrastructureError` naming `dir` ("no space left in /tmp: …") when `error`, or any error in
 * its `cause` chain, is a full disk or an exhausted quota; otherwise `undefined`. Decoders report a
 * full disk as a failed decode: without this the image would be blamed for the machine's disk.
 *
 * @param dir the folder being written (a working folder's parent, a local root)
 */
export function noSpaceError(error: unknown, dir: string): InfrastructureError | undefined {
  // The innermost such error: its message is the system's, not a wrapper's guess.
  let found: unknown;
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 8; depth++) {
    const code = (current as { code?: unknown } | null)?.code;
    if ((typeof code === 'string' && NO_SPACE_CODES.has(code)) || NO_SPACE_MESSAGE.test(errorMessage(current))) {
      found = current;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  if (found === undefined) return undefined;
  const detail = errorMessage(found).replace(/\s+/g, ' ').trim();
  return new InfrastructureError(`no space left in ${dir}: ${detail}`, { cause: error });
}
