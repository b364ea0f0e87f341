import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FsStorage as FsStorageClass } from '../../src/storage/fs-storage.js';

/**
 * Runs in the middle of a write, to look at the trees: while a file FsStorage opened is still open
 * (large bodies), or once a small body's temporary file is written, before it is placed.
 */
const whileOpen = vi.hoisted(() => ({ current: undefined as (() => void) | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return {
    ...actual,
    writeFileSync: (...args: Parameters<typeof actual.writeFileSync>) => {
      actual.writeFileSync(...args);
      whileOpen.current?.();
    },
  };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      whileOpen.current?.();
      return handle;
    },
  };
});

// The fast tier shares loaded modules between the files of a worker (vitest.config.ts): FsStorage
// and what it imports may have been loaded with the real node:fs and node:fs/promises, so they are loaded
// afresh here, after the mock above is in place (the errors too, for `instanceof`).
vi.resetModules();
const { NotFoundError, StorageError, VersionMismatchError } = await import('../../src/errors.js');
const { FsStorage } = await import('../../src/storage/fs-storage.js');
const { getJsonIfExists, putJson } = await import('../../src/storage/storage.js');

describe('Class: FsStorage', () => {
  let root: string;
  let storage: FsStorageClass;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fs-storage-'));
    storage = new FsStorage(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('maps bucket and key to root/bucket/key', async () => {
    // Act
    await storage.put('img-pub', 'a/b/c.txt', 'hello');

    // Assess
    expect(storage.describe('img-pub', 'a/b/c.txt')).toBe(join(root, 'img-pub', 'a', 'b', 'c.txt'));
    expect((await storage.getBytes('img-pub', 'a/b/c.txt')).toString()).toBe('hello');
  });

  it('reads an object only while it still has the ETag asked for', async () => {
    // Prepare
    await storage.put('tasks', 't.json', 'version A');
    const etagA = (await storage.head('tasks', 't.json'))?.etag ?? '';
    const heldOpen = await storage.getStream('tasks', 't.json', { etag: `"${etagA}"` });
    await storage.put('tasks', 't.json', 'version B, longer');
    const etagB = (await storage.head('tasks', 't.json'))?.etag ?? '';

    // Act
    const stale = await storage.getBytes('tasks', 't.json', { etag: etagA }).catch((caught: unknown) => caught);
    const staleStream = await storage.getStream('tasks', 't.json', { etag: etagA }).catch((caught: unknown) => caught);
    const current = await storage.getBytes('tasks', 't.json', { etag: etagB });
    const chunks: Buffer[] = [];
    for await (const chunk of heldOpen) chunks.push(chunk as Buffer);

    // Assess: a stream opened on A reads A to the end, even though B replaced it meanwhile.
    expect(stale).toBeInstanceOf(VersionMismatchError);
    expect(staleStream).toBeInstanceOf(VersionMismatchError);
    expect(current.toString()).toBe('version B, longer');
    expect(Buffer.concat(chunks).toString()).toBe('version A');
    await expect(storage.getBytes('tasks', 'absent.json', { etag: etagA })).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getBytes('tasks', 't.json', { versionId: 'v1' })).rejects.toThrow(
      'the filesystem store keeps no object versions',
    );
  });

  // Small bodies are written with synchronous calls, large ones through the thread pool.
  it.each([
    { body: 'small', bytes: 128 * 1024 },
    { body: 'large', bytes: 5 * 1024 * 1024 },
  ])(
    'never writes a temporary file inside a bucket, even while a write is half done ($body body)',
    async ({ bytes }) => {
      // Prepare: look at both trees the moment the temporary file is written (small) or open (large).
      await storage.put('img-pub', 'c/item/p1/info.json', '{}');
      const listTree = (dir: string): string[] =>
        readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
          .sort();
      let during: string[] = [];
      let temporary: string[] = [];
      whileOpen.current = () => {
        during = listTree(join(root, 'img-pub'));
        temporary = listTree(join(root, '_iiif-batch', 'tmp'));
      };

      // Act
      try {
        await storage.put('img-pub', 'c/item/p1/full/max/0/default.jpg', Buffer.alloc(bytes, 1));
      } finally {
        whileOpen.current = undefined;
      }

      // Assess
      expect(during).toEqual(['c/item/p1/info.json']);
      expect(temporary).toHaveLength(1);
      expect(listTree(join(root, 'img-pub'))).toEqual(['c/item/p1/full/max/0/default.jpg', 'c/item/p1/info.json']);
      expect(listTree(join(root, '_iiif-batch', 'tmp'))).toEqual([]);
      expect((await storage.getBytes('img-pub', 'c/item/p1/full/max/0/default.jpg')).length).toBe(bytes);
    },
  );

  it('copies an object as a hard link renamed into place; writing either later leaves the other as it was', async () => {
    // Prepare
    await storage.put('img-pub', 's/full/max/0/default.jpg', 'full-size bytes');
    await storage.put('img-pub', 's/full/800,600/0/default.jpg', 'an older file');
    const path = (key: string) => join(root, 'img-pub', ...key.split('/'));

    // Act
    await storage.copy('img-pub', 's/full/max/0/default.jpg', 's/full/800,600/0/default.jpg');
    await storage.copy('img-pub', 's/full/max/0/default.jpg', 's/new/folder/default.jpg');
    const original = statSync(path('s/full/max/0/default.jpg'));
    const linked = statSync(path('s/full/800,600/0/default.jpg'));
    await storage.put('img-pub', 's/full/max/0/default.jpg', 'replaced');

    // Assess: one file under three names, until one of them is written again.
    expect(linked.ino).toBe(original.ino);
    expect(linked.nlink).toBe(3);
    expect((await storage.getBytes('img-pub', 's/full/800,600/0/default.jpg')).toString()).toBe('full-size bytes');
    expect((await storage.getBytes('img-pub', 's/new/folder/default.jpg')).toString()).toBe('full-size bytes');
    expect((await storage.getBytes('img-pub', 's/full/max/0/default.jpg')).toString()).toBe('replaced');
    const temporary = readdirSync(join(root, '_iiif-batch', 'tmp'), { recursive: true, withFileTypes: true });
    expect(temporary.filter((entry) => entry.isFile())).toEqual([]);
    await expect(storage.copy('img-pub', 's/absent.jpg', 's/other.jpg')).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      storage.copy('img-pub', 's/full/max/0/default.jpg', 's/full/max/0/default.jpg'),
    ).resolves.toBeUndefined();
    expect((await storage.getBytes('img-pub', 's/full/max/0/default.jpg')).toString()).toBe('replaced');
  });

  // A bucket on another file system than the local root: no rename or link across them.
  const shm = '/dev/shm';
  it.skipIf(!existsSync(shm) || statSync(shm).dev === statSync(tmpdir()).dev)(
    'writes and copies into a bucket on another file system than the local root',
    async () => {
      // Prepare
      const elsewhere = await mkdtemp(join(shm, 'fs-storage-bucket-'));
      try {
        await symlink(elsewhere, join(root, 'img-pub'));

        // Act
        await storage.put('img-pub', 's/full/max/0/default.jpg', 'full-size bytes');
        await storage.copy('img-pub', 's/full/max/0/default.jpg', 's/full/80,60/0/default.jpg');

        // Assess
        expect((await storage.getBytes('img-pub', 's/full/80,60/0/default.jpg')).toString()).toBe('full-size bytes');
        const files = readdirSync(elsewhere, { recursive: true, withFileTypes: true }).filter((entry) =>
          entry.isFile(),
        );
        expect(files.map((entry) => entry.name)).toEqual(['default.jpg', 'default.jpg']);
      } finally {
        await rm(elsewhere, { recursive: true, force: true });
      }
    },
  );

  it('lists every key under a prefix in key order, across folders, without temp files', async () => {
    // Prepare
    for (const key of ['p/b/2.jpg', 'p/a/1.jpg', 'p/a/sub/3.jpg', 'p-other/x.jpg', 'q/y.jpg'])
      await storage.put('b', key, key);
    await writeFile(join(root, 'b', 'p', 'a', '.iiif-batch-tmp-123'), 'partial');

    // Act
    const keys: string[] = [];
    for await (const object of storage.list('b', 'p/')) keys.push(object.key);
    const prefixed: string[] = [];
    for await (const object of storage.list('b', 'p')) prefixed.push(object.key);

    // Assess
    expect(keys).toEqual(['p/a/1.jpg', 'p/a/sub/3.jpg', 'p/b/2.jpg']);
    expect(prefixed).toEqual(['p-other/x.jpg', 'p/a/1.jpg', 'p/a/sub/3.jpg', 'p/b/2.jpg']);
  });

  it('follows symbolic links that stay inside the local root and reports the others with the reason', async () => {
    // Prepare
    const outside = await mkdtemp(join(tmpdir(), 'fs-storage-outside-'));
    try {
      await storage.put('src', 'masters/a.tif', 'A');
      await storage.put('src', 'masters/sub/b.tif', 'BB');
      await writeFile(join(outside, 'c.tif'), 'C');
      await storage.put('src', 'box/own.tif', 'own');
      const box = join(root, 'src', 'box');
      await symlink(join(root, 'src', 'masters', 'a.tif'), join(box, 'linked.tif'));
      await symlink(join(root, 'src', 'masters', 'sub'), join(box, 'linkedfolder'));
      await symlink(join(outside, 'c.tif'), join(box, 'outside.tif'));
      await symlink(join(root, 'src', 'nowhere.tif'), join(box, 'broken.tif'));
      await symlink(box, join(box, 'loop'));
      const skipped: { key: string; reason: string }[] = [];

      // Act
      const objects: { key: string; size: number }[] = [];
      for await (const object of storage.list('src', 'box/', { onSkipped: (entry) => skipped.push(entry) })) {
        objects.push({ key: object.key, size: object.size });
      }

      // Assess
      expect(objects).toEqual([
        { key: 'box/linked.tif', size: 1 },
        { key: 'box/linkedfolder/b.tif', size: 2 },
        { key: 'box/own.tif', size: 3 },
      ]);
      expect(await storage.getBytes('src', 'box/linkedfolder/b.tif')).toEqual(Buffer.from('BB'));
      expect(skipped).toEqual([
        { key: 'box/broken.tif', reason: 'a symbolic link that is not followed: its target does not exist' },
        {
          key: 'box/loop',
          reason: expect.stringMatching(/^a symbolic link to .*box, a folder that contains it: not followed$/),
        },
        {
          key: 'box/outside.tif',
          reason: expect.stringMatching(/^a symbolic link to .*c\.tif, outside the local root .*: not followed/),
        },
      ]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('lists the folders one level below a prefix, in key order, without the files', async () => {
    // Prepare
    for (const key of ['c/Item10/manifest.json', 'c/Item2/p1/info.json', 'c/collection.json', 'd/x/y.jpg']) {
      await storage.put('b', key, key);
    }

    // Act
    const folders: string[] = [];
    for await (const folder of storage.listFolders('b', 'c/')) folders.push(folder);
    const top: string[] = [];
    for await (const folder of storage.listFolders('b', '')) top.push(folder);
    const missing: string[] = [];
    for await (const folder of storage.listFolders('b', 'nothing/')) missing.push(folder);

    // Assess
    expect(folders).toEqual(['c/Item10/', 'c/Item2/']);
    expect(top).toEqual(['c/', 'd/']);
    expect(missing).toEqual([]);
  });

  it('lists nothing for a missing bucket or prefix', async () => {
    // Act
    const keys: string[] = [];
    for await (const object of storage.list('nothing', 'x/')) keys.push(object.key);

    // Assess
    expect(keys).toEqual([]);
  });

  it('reports size and a fingerprint that changes when the file changes', async () => {
    // Prepare
    await storage.put('b', 'k', 'one');
    const first = await storage.head('b', 'k');
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    await storage.put('b', 'k', 'three');
    const second = await storage.head('b', 'k');

    // Assess
    expect(first?.size).toBe(3);
    expect(second?.size).toBe(5);
    expect(second?.etag).not.toBe(first?.etag);
    expect(await storage.head('b', 'missing')).toBeUndefined();
  });

  it('creates an object only once with putIfAbsent', async () => {
    // Act
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) => storage.putIfAbsent('b', 'runs/r1/run.json', `writer ${index}`)),
    );

    // Assess
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect((await storage.getBytes('b', 'runs/r1/run.json')).toString()).toBe(`writer ${winner}`);
    expect(await readdir(join(root, 'b', 'runs', 'r1'))).toEqual(['run.json']);
  });

  it('throws NotFoundError for missing objects and deletes quietly', async () => {
    // Act / Assess
    await expect(storage.getBytes('b', 'missing.json')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getStream('b', 'missing.json')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.delete('b', 'missing.json')).resolves.toBeUndefined();
    expect(await getJsonIfExists(storage, 'b', 'missing.json')).toBeUndefined();
  });

  it('round-trips JSON', async () => {
    // Act
    await putJson(storage, 'b', 'x/doc.json', { a: [1, 'é'] });

    // Assess
    expect(await getJsonIfExists(storage, 'b', 'x/doc.json')).toEqual({ a: [1, 'é'] });
  });

  it.each(['../escape', 'a/../../b', '/abs', 'a/./b', ''])('refuses the key "%s"', async (key) => {
    await expect(storage.put('b', key, 'x')).rejects.toBeInstanceOf(StorageError);
  });

  it('reports a write under a file as a StorageError naming the key', async () => {
    // Prepare
    await storage.put('b', 'a', 'a file where a folder would go');

    // Act
    const act = storage.put('b', 'a/b.json', '{}');

    // Assess
    await expect(act).rejects.toBeInstanceOf(StorageError);
    await expect(act).rejects.toThrow(/Cannot write b\/a\/b\.json/);
  });

  it.each(['..', 'a/b', ''])('refuses the bucket "%s"', async (bucket) => {
    await expect(storage.put(bucket, 'k', 'x')).rejects.toBeInstanceOf(StorageError);
  });
});
