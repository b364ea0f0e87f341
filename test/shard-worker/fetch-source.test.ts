import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSource } from '../../src/shard-worker/fetch-source.js';
import { FsStorage } from '../../src/storage/fs-storage.js';
import type { Storage } from '../../src/storage/storage.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-source-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A storage whose only object arrives as the given chunks (then optionally an error). */
function streamingStorage(chunks: Buffer[], failAfter?: Error): Storage {
  const storage = new FsStorage(dir);
  storage.getStream = async () =>
    Readable.from(
      (async function* () {
        for (const chunk of chunks) yield chunk;
        if (failAfter !== undefined) throw failAfter;
      })(),
    );
  return storage;
}

describe('Function: fetchSource', () => {
  it('writes every byte in order, across many small and a few large chunks', async () => {
    // Prepare
    const chunks = [
      ...Array.from({ length: 300 }, () => randomBytes(65536)),
      randomBytes(9 * 1024 * 1024),
      randomBytes(17),
    ];
    const path = join(dir, 'copy-1');

    // Act
    const bytes = await fetchSource(streamingStorage(chunks), 'b', 'k', path);

    // Assess
    const expected = Buffer.concat(chunks);
    expect(bytes).toBe(expected.length);
    expect((await readFile(path)).equals(expected)).toBe(true);
  });

  it('writes an empty object as an empty file', async () => {
    // Prepare
    const path = join(dir, 'copy-2');

    // Act
    const bytes = await fetchSource(streamingStorage([]), 'b', 'k', path);

    // Assess
    expect(bytes).toBe(0);
    expect((await readFile(path)).length).toBe(0);
  });

  it('rejects when the stream breaks off', async () => {
    // Prepare
    const chunks = Array.from({ length: 200 }, () => randomBytes(65536));

    // Act
    const act = fetchSource(streamingStorage(chunks, new Error('connection reset')), 'b', 'k', join(dir, 'copy-3'));

    // Assess
    await expect(act).rejects.toThrow('connection reset');
  });
});
