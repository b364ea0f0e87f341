import { randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { NotFoundError, StorageError, VersionMismatchError } from '../errors.js';
import { LOCAL_STATE_BUCKET } from '../run/run-records.js';
import { noSpaceError } from '../util/no-space-error.js';
import { claimWorkFolder } from '../util/work-folder.js';
import type { Body, ListOptions, ObjectInfo, PutOptions, ReadVersion, SkippedEntry, Storage } from './storage.js';

const TEMP_MARK = '.iiif-batch-tmp-';

/** Read size of streams: large masters are copied in few, large reads (Node's default is 64 KiB). */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Bodies up to this size are written with synchronous calls: a tile is a few hundred kilobytes, and
 * each call through the thread pool costs a hand-off (0.24 ms of CPU a file against 0.06). Larger
 * bodies (run records, big `full/max` files) go through the thread pool, so the event loop never
 * waits long on one write.
 */
const SYNC_WRITE_BYTES = 4 * 1024 * 1024;

/**
 * Storage on the local filesystem: bucket `b`, key `k` is the file `root/b/k`.
 * Writes go to a temporary file (outside every bucket) that is renamed into place, so readers never
 * see half a file and no temporary file is ever inside a published tree.
 */
export class FsStorage implements Storage {
  public readonly root: string;
  private temp: Promise<string> | undefined;

  public constructor(root: string) {
    this.root = resolve(root);
  }

  public describe(bucket: string, key: string): string {
    return this.pathOf(bucket, key);
  }

  /**
   * Symbolic links are followed when their target is inside the local root (a link to a file is
   * that file under the link's key; a link to a folder is walked like one). A link that is broken,
   * leads outside the local root, or to a folder that contains it (a loop) is not listed: it goes
   * to `options.onSkipped` with the reason.
   */
  public async *list(bucket: string, prefix: string, options: ListOptions = {}): AsyncIterable<ObjectInfo> {
    const bucketDir = this.bucketDir(bucket);
    // Start the walk at the deepest folder the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const startKey = slash >= 0 ? prefix.slice(0, slash) : '';
    checkKey(bucket, startKey, true);
    yield* this.walk({ bucketDir, prefix, onSkipped: options.onSkipped }, startKey, new Set());
  }

  public async *listFolders(bucket: string, prefix: string): AsyncIterable<string> {
    const dirKey = prefix.replace(/\/+$/, '');
    checkKey(bucket, dirKey, true);
    const bucketDir = this.bucketDir(bucket);
    const dir = dirKey === '' ? bucketDir : join(bucketDir, ...dirKey.split('/'));
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw wrap(error, bucket, prefix, 'list');
    }
    const names = entries.filter((entry) => entry.isDirectory()).map((entry) => `${entry.name}/`);
    for (const name of names.sort()) yield dirKey === '' ? name : `${dirKey}/${name}`;
  }

  public async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(bucket, key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return toObjectInfo(key, info.size, info.mtimeMs);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw wrap(error, bucket, key, 'stat');
    }
  }

  public async getStream(bucket: string, key: string, version?: ReadVersion): Promise<Readable> {
    // Opening first turns a missing file into NotFoundError here rather than on the first read.
    const handle = await this.openVersion(bucket, key, version);
    return handle.createReadStream({ autoClose: true, highWaterMark: READ_CHUNK_BYTES });
  }

  /**
   * Open the object's file, checking `version` on the open file: writes replace a file by renaming
   * a new one into place, so an open handle keeps reading the version it was checked against. Files
   * have no version ids; their ETag is the fingerprint of size and modification time.
   */
  private async openVersion(bucket: string, key: string, version: ReadVersion = {}): Promise<FileHandle> {
    if (version.versionId !== undefined) {
      throw new StorageError(
        `Cannot read version ${version.versionId} of ${bucket}/${key}: the filesystem store keeps no object versions (name an ETag instead)`,
        { bucket, key },
      );
    }
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(bucket, key), 'r');
    } catch (error) {
      if (isNotFound(error) || isDirectory(error)) throw new NotFoundError(bucket, key, { cause: error });
      throw wrap(error, bucket, key, 'open');
    }
    if (version.etag === undefined) return handle;
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new NotFoundError(bucket, key);
      const expected = version.etag.replace(/^W\//, '').replace(/^"|"$/g, '');
      if (toObjectInfo(key, info.size, info.mtimeMs).etag !== expected) {
        throw new VersionMismatchError(bucket, key, expected);
      }
      return handle;
    } catch (error) {
      await handle.close();
      if (error instanceof StorageError) throw error;
      throw wrap(error, bucket, key, 'stat');
    }
  }

  /** The object's file itself (objects are plain files): readers need not copy it. */
  public async localPath(bucket: string, key: string): Promise<string | undefined> {
    const path = this.pathOf(bucket, key);
    try {
      return (await stat(path)).isFile() ? path : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw wrap(error, bucket, key, 'stat');
    }
  }

  public async getBytes(bucket: string, key: string, version?: ReadVersion): Promise<Buffer> {
    if (version !== undefined && (version.versionId !== undefined || version.etag !== undefined)) {
      const handle = await this.openVersion(bucket, key, version);
      try {
        return await handle.readFile();
      } catch (error) {
        throw wrap(error, bucket, key, 'read');
      } finally {
        await handle.close();
      }
    }
    try {
      return await readFile(this.pathOf(bucket, key));
    } catch (error) {
      if (isNotFound(error) || isDirectory(error)) throw new NotFoundError(bucket, key, { cause: error });
      throw wrap(error, bucket, key, 'read');
    }
  }

  public async getRange(bucket: string, key: string, start: number, length: number): Promise<Buffer> {
    let handle: import('node:fs/promises').FileHandle;
    try {
      handle = await open(this.pathOf(bucket, key), 'r');
    } catch (error) {
      if (isNotFound(error) || isDirectory(error)) throw new NotFoundError(bucket, key, { cause: error });
      throw wrap(error, bucket, key, 'open');
    }
    try {
      const buffer = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } catch (error) {
      throw wrap(error, bucket, key, 'read');
    } finally {
      await handle.close();
    }
  }

  public async put(bucket: string, key: string, body: Body, _options?: PutOptions): Promise<void> {
    await this.placeTemp(bucket, key, body, 'write', 'rename');
  }

  public async putIfAbsent(bucket: string, key: string, body: Body, _options?: PutOptions): Promise<boolean> {
    try {
      // link() fails with EEXIST when the target exists: an atomic create-if-absent.
      await this.placeTemp(bucket, key, body, 'create', 'link');
      return true;
    } catch (error) {
      if (error instanceof StorageError && (error.cause as NodeJS.ErrnoException)?.code === 'EEXIST') return false;
      throw error;
    }
  }

  /**
   * The object `toKey` as a hard link to `fromKey`'s file, made under a temporary name and renamed
   * into place (a reader sees the old or the new file): the bytes are stored once. Writing either
   * object later replaces its file and leaves the other as it was. A bucket on another file system
   * than the local root (no link across them) gets the bytes written again.
   */
  public async copy(bucket: string, fromKey: string, toKey: string): Promise<void> {
    const from = this.pathOf(bucket, fromKey);
    const to = this.pathOf(bucket, toKey);
    const temp = tempName(await this.tempFolder(bucket, toKey));
    try {
      linkSync(from, temp);
    } catch (error) {
      if (!existsSync(from)) throw new NotFoundError(bucket, fromKey, { cause: error });
      if ((error as NodeJS.ErrnoException).code === 'EXDEV') {
        await this.put(bucket, toKey, await this.getBytes(bucket, fromKey));
        return;
      }
      throw wrap(error, bucket, toKey, 'copy', this.root);
    }
    try {
      placeInFolder(renameSync, temp, to);
    } catch (error) {
      throw wrap(error, bucket, toKey, 'copy', this.root);
    } finally {
      // Gone after a rename, except when `to` already was this very file (rename then does nothing).
      removeQuietly(temp);
    }
  }

  /**
   * Write `body` to a temporary file, then place it at the object's path (rename, or link: fails when
   * the path exists), creating the path's folder when it is missing, and remove what is left of the
   * temporary file (a link leaves it; so does a failure). Temporary files live in this process's
   * folder under `{root}/_iiif-batch/tmp/`, outside every bucket: a crash never leaves one in a
   * published tree (the next process removes the folders of dead ones). Only when a bucket is on
   * another file system than the root (EXDEV) is the file written beside its target instead.
   */
  private async placeTemp(
    bucket: string,
    key: string,
    body: Body,
    action: string,
    how: 'rename' | 'link',
  ): Promise<void> {
    const path = this.pathOf(bucket, key);
    const place = how === 'rename' ? renameSync : linkSync;
    let temp: string | undefined = await this.writeTemp(await this.tempFolder(bucket, key), body, bucket, key, action);
    try {
      try {
        placeInFolder(place, temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        removeQuietly(temp);
        temp = await this.writeTemp(dirname(path), body, bucket, key, action);
        place(temp, path);
      }
      // A rename took the temporary file away: nothing is left to remove (one call fewer a file).
      if (how === 'rename') temp = undefined;
    } catch (error) {
      throw wrap(error, bucket, key, action, this.root);
    } finally {
      if (temp !== undefined) removeQuietly(temp);
    }
  }

  /**
   * This process's folder for temporary files, created (and those of dead processes removed) on
   * first use, and removed when the process exits.
   */
  private tempFolder(bucket: string, key: string): Promise<string> {
    this.temp ??= claimWorkFolder(join(this.root, LOCAL_STATE_BUCKET, 'tmp'), 'fs-').then((folder) => {
      removeAtExit(folder);
      return folder;
    });
    return this.temp.catch((error: unknown) => {
      this.temp = undefined;
      throw wrap(error, bucket, key, 'write', this.root);
    });
  }

  public async delete(bucket: string, key: string): Promise<void> {
    await rm(this.pathOf(bucket, key), { force: true });
  }

  private bucketDir(bucket: string): string {
    if (bucket === '' || bucket.includes('/') || bucket.includes('\\') || bucket === '.' || bucket === '..') {
      throw new StorageError(`Invalid bucket name "${bucket}"`, { bucket, key: '' });
    }
    return join(this.root, bucket);
  }

  private pathOf(bucket: string, key: string): string {
    checkKey(bucket, key, false);
    return join(this.bucketDir(bucket), ...key.split('/'));
  }

  private async writeTemp(dir: string, body: Body, bucket: string, key: string, action: string): Promise<string> {
    const temp = tempName(dir);
    try {
      if (Buffer.byteLength(body) <= SYNC_WRITE_BYTES) {
        writeFileSync(temp, body);
      } else {
        const handle = await open(temp, 'w');
        try {
          await handle.writeFile(body);
        } finally {
          await handle.close();
        }
      }
      return temp;
    } catch (error) {
      removeQuietly(temp);
      throw wrap(error, bucket, key, action, this.root);
    }
  }

  /**
   * @param ancestors the real paths of the folders walked down to `dirKey` (a link back to one of them is a loop)
   * @param realDir the real path of `dirKey`'s folder, when known: a folder's is its parent's and its
   *   name, a linked folder's its link's target; only where the walk starts is it looked up (a lookup
   *   per folder cost a stat of every folder above it: 50,000 stats to verify one run's tiles)
   */
  private async *walk(
    walk: Walk,
    dirKey: string,
    ancestors: ReadonlySet<string>,
    realDir?: string,
  ): AsyncIterable<ObjectInfo> {
    const { bucketDir, prefix } = walk;
    const dir = dirKey === '' ? bucketDir : join(bucketDir, ...dirKey.split('/'));
    let entries: import('node:fs').Dirent[];
    let real: string;
    try {
      // Synchronous, as the stat of each file below: a listing is many small file-system calls, and
      // through the thread pool each costs a hand-off (2,500 folders: 2 s waiting, nothing to do).
      entries = readdirSync(dir, { withFileTypes: true });
      real = realDir ?? realpathSync.native(dir);
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw error;
    }
    const chain = new Set(ancestors).add(real);
    const keyOf = (name: string): string => (dirKey === '' ? name : `${dirKey}/${name}`);
    const wanted = (key: string, folder: boolean): boolean =>
      folder ? `${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`) : key.startsWith(prefix);
    const resolved = await Promise.all(
      entries
        .filter((entry) => !entry.name.startsWith(TEMP_MARK))
        .map(async (entry): Promise<WalkEntry> => {
          const key = keyOf(entry.name);
          if (entry.isDirectory()) return { key, kind: 'folder' };
          if (entry.isFile()) return { key, kind: 'file' };
          if (!entry.isSymbolicLink() || !(wanted(key, false) || wanted(key, true))) return { key, kind: 'other' };
          return this.resolveLink(join(dir, entry.name), key, chain);
        }),
    );
    // Key order: compare names with a trailing '/' for folders, as S3 sorts full keys.
    const named = resolved
      .map((entry) => ({ entry, sortKey: entry.kind === 'folder' ? `${entry.key}/` : entry.key }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { entry } of named) {
      if (entry.kind === 'folder') {
        if (wanted(entry.key, true)) {
          const name = entry.key.slice(entry.key.lastIndexOf('/') + 1);
          yield* this.walk(walk, entry.key, chain, entry.target ?? join(real, name));
        }
      } else if (entry.kind === 'file' && wanted(entry.key, false)) {
        // Synchronous (100,000 files: 0.9 s; 8.3 s a thread-pool hand-off at a time, 2.6 s all at once).
        const info = statSync(join(dir, entry.key.slice(entry.key.lastIndexOf('/') + 1)));
        yield toObjectInfo(entry.key, info.size, info.mtimeMs);
      } else if (entry.kind === 'skipped' && wanted(entry.key, false)) {
        walk.onSkipped?.({ key: entry.key, reason: entry.reason });
      }
    }
  }

  /** What a symbolic link is to a listing: a file, a folder, or skipped with the reason. */
  private async resolveLink(path: string, key: string, chain: ReadonlySet<string>): Promise<WalkEntry> {
    let target: string;
    try {
      target = await realpath(path);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'it loops' : 'its target does not exist';
      return { key, kind: 'skipped', reason: `a symbolic link that is not followed: ${why}` };
    }
    const realRoot = await realpath(this.root);
    if (target !== realRoot && !target.startsWith(`${realRoot}${sep}`)) {
      return {
        key,
        kind: 'skipped',
        reason: `a symbolic link to ${target}, outside the local root ${this.root}: not followed (copy what it names under the local root to publish it)`,
      };
    }
    const info = await stat(target);
    if (info.isFile()) return { key, kind: 'file' };
    if (!info.isDirectory()) return { key, kind: 'other' };
    if (chain.has(target)) {
      return { key, kind: 'skipped', reason: `a symbolic link to ${target}, a folder that contains it: not followed` };
    }
    return { key, kind: 'folder', target };
  }
}

interface Walk {
  readonly bucketDir: string;
  readonly prefix: string;
  readonly onSkipped: ((entry: SkippedEntry) => void) | undefined;
}

type WalkEntry =
  | { readonly key: string; readonly kind: 'file' | 'other' }
  /** `target`: the real path of a linked folder. */
  | { readonly key: string; readonly kind: 'folder'; readonly target?: string }
  | { readonly key: string; readonly kind: 'skipped'; readonly reason: string };

const foldersToRemove = new Set<string>();

/** Remove `folder` when the process exits (one listener for every store of the process). */
function removeAtExit(folder: string): void {
  if (foldersToRemove.size === 0) {
    process.once('exit', () => {
      for (const path of foldersToRemove) rmSync(path, { recursive: true, force: true });
    });
  }
  foldersToRemove.add(folder);
}

function toObjectInfo(key: string, size: number, mtimeMs: number): ObjectInfo {
  const mtime = Math.floor(mtimeMs);
  return { key, size, etag: `${size.toString(16)}-${mtime.toString(16)}`, lastModified: new Date(mtime) };
}

function checkKey(bucket: string, key: string, allowEmpty: boolean): void {
  const bad =
    (!allowEmpty && key === '') ||
    key.startsWith('/') ||
    key.includes('\0') ||
    key.includes('\\') ||
    key.split('/').some((part) => part === '..' || part === '.');
  if (bad || key.split(sep).includes('..')) {
    throw new StorageError(`Invalid key "${key}" in bucket "${bucket}": keys must be relative, without "." or ".."`, {
      bucket,
      key,
    });
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function isDirectory(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EISDIR';
}

function wrap(error: unknown, bucket: string, key: string, action: string, root?: string): StorageError {
  const message = error instanceof Error ? error.message : String(error);
  // A full disk is the machine's failure, and may pass (a retry elsewhere or later).
  const full = noSpaceError(error, root === undefined ? 'the local root' : join(root, bucket));
  if (full !== undefined) {
    return new StorageError(
      `Cannot ${action} ${bucket}/${key}: ${full.message}`,
      { bucket, key, transient: true },
      {
        cause: error,
      },
    );
  }
  return new StorageError(`Cannot ${action} ${bucket}/${key}: ${message}`, { bucket, key }, { cause: error });
}

/**
 * Rename or link `from` to `to`; when `to`'s folder is missing, create it and try again (a file
 * whose folder exists, as most tiles' do, costs one call).
 */
function placeInFolder(place: (from: string, to: string) => void, from: string, to: string): void {
  try {
    place(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(to), { recursive: true });
    place(from, to);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or not ours to report: the write's own outcome is what the caller hears.
  }
}

/** A new temporary file's path in `dir`: listings leave out names with `TEMP_MARK`. */
function tempName(dir: string): string {
  return join(dir, `${TEMP_MARK}${randomBytes(6).toString('hex')}`);
}
