import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/exit-codes.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';
import { legacyTaskFile } from '../helpers/task-file.js';

/** Task files that can never be right are refused with exit 2 before anything runs. */
describe('Task file input (CLI, real files)', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'task-input-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each(['https://x.org/?', 'https://x.org/iiif#', 'https://x.org/iiif?format=json'])(
    'run refuses DEST_URL %s with exit 2, naming DEST_URL',
    async (destUrl) => {
      // Prepare
      const path = join(root, 'dest-url.json');
      await writeFile(path, JSON.stringify(legacyTaskFile({ DEST_URL: destUrl })));

      // Act
      const result = await runCliInProcess(['run', path, '--local-root', root, '--json']);

      // Assess
      expect(result.code).toBe(ExitCode.Invalid);
      const output = JSON.parse(result.stdout) as { error: string };
      expect(output.error).toContain('DEST_URL');
      expect(output.error).toContain(`received "${destUrl}"`);
      expect(output.error).toContain('without a query or fragment');
    },
  );

  it('run refuses a task file saved as Latin-1 with exit 2, saying where it is not UTF-8', async () => {
    // Prepare: the collection "Collé" saved by an editor set to Latin-1.
    const path = join(root, 'latin1.json');
    const text = JSON.stringify(legacyTaskFile({ COLLECTION_IDENTIFIER: 'Coll\u00e9' }), null, 1);
    await writeFile(path, Buffer.from(text, 'latin1'));
    const offset = Buffer.from(text, 'latin1').indexOf(0xe9);

    // Act
    const result = await runCliInProcess(['run', path, '--local-root', root]);

    // Assess
    expect(result.code).toBe(ExitCode.Invalid);
    expect(result.stderr).toContain(`${path}: the task file is not UTF-8: line `);
    expect(result.stderr).toContain(`(byte offset ${offset}) holds the byte 0xE9`);
    expect(result.stdout).toBe('');
  });

  it('run accepts a UTF-8 task file with a byte-order mark (as Windows Notepad saves it)', async () => {
    // Prepare: a valid file whose run then fails for want of images (exit 2 naming ACCESS_DIR, not the encoding).
    const path = join(root, 'bom.json');
    await writeFile(path, `\uFEFF${JSON.stringify(legacyTaskFile({ COLLECTION_IDENTIFIER: 'Coll\u00e9' }))}`);

    // Act
    const result = await runCliInProcess(['run', path, '--local-root', root, '--json']);

    // Assess
    const output = JSON.parse(result.stdout) as { error: string };
    expect(output.error).toMatch(/^No images under .* \(ACCESS_DIR/);
  });
});
