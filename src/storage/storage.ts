import type { Readable } from 'node:stream';
import { NotFoundError } from '../errors.js';
import { JsonBytes } from '../util/json-bytes.js';

/** One stored object as a listing or a head request sees it. */
export interface ObjectInfo {
  /** Full key inside the bucket, `/`-separated, never starting with `/`. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** Version fingerprint: the S3 ETag, or for files a hash of size and mtime. */
  readonly etag: string;
  readonly lastModified: Date;
}

/** What planning keeps of a listed object. */
export type ListedObject = Pick<ObjectInfo, 'key' | 'size' | 'etag'>;

export interface PutOptions {
  /** e.g. `image/jpeg`, `application/ld+json`. */
  readonly contentType?: string;
  /** e.g. `public, max-age=31536000, immutable`. */
  readonly cacheControl?: string;
}

/**
 * Which version of an object a read must return. Without one, a read returns the current object.
 * When both are given, `versionId` decides.
 */
export interface ReadVersion {
  /** S3 version id (versioned buckets): exactly that version, even after the key was overwritten. */
  readonly versionId?: string;
  /**
   * The ETag (quoted or not) the object must still have (S3 `If-Match`). When the object was
   * overwritten since, the read throws `VersionMismatchError` instead of returning other bytes.
   */
  readonly etag?: string;
}

/** What is written: every writer has its bytes in memory (tiles, JSON records, task files). */
export type Body = Buffer | Uint8Array | string;

/** An entry a listing saw but did not list (the filesystem's symbolic links it would not follow). */
export interface SkippedEntry {
  /** The key the entry would have had. */
  readonly key: string;
  /** Why it was not listed, e.g. "a symbolic link to /mnt/x, outside the local root /data". */
  readonly reason: string;
}

export interface ListOptions {
  /** Called for every entry under the prefix that is not listed, with the reason. */
  readonly onSkipped?: (entry: SkippedEntry) => void;
}

/**
 * Where bytes live. One interface, two implementations: the filesystem (`FsStorage`, local root
 * `DIR/<bucket>/<key>`) and S3 (`S3Storage`). Core code receives a `Storage` and never asks which.
 */
export interface Storage {
  /** Human-readable location of an object, for messages: `s3://b/k` or a file path. */
  describe(bucket: string, key: string): string;
  /**
   * Every object whose key starts with `prefix`, any count (paginates), in key order. Entries a
   * store sees but does not list (filesystem links it does not follow) go to `options.onSkipped`.
   */
  list(bucket: string, prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo>;
  /**
   * The "folders" directly under `prefix` (which ends with `/`): each distinct next key segment
   * that has objects below it, as a prefix ending with `/` (S3: CommonPrefixes with Delimiter `/`),
   * in key order. Lists one level, never the objects below.
   */
  listFolders(bucket: string, prefix: string): AsyncIterable<string>;
  /** Metadata of one object, or `undefined` when there is none. */
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /**
   * A stream of the object's bytes (of `version` when given). Throws `NotFoundError` when absent
   * (or that version is), `VersionMismatchError` when `version.etag` is no longer the object's.
   */
  getStream(bucket: string, key: string, version?: ReadVersion): Promise<Readable>;
  /** The whole object (for small objects: JSON, CSV); `version` and errors as for `getStream`. */
  getBytes(bucket: string, key: string, version?: ReadVersion): Promise<Buffer>;
  /**
   * Up to `length` bytes of the object from byte `start` (fewer at its end; empty past it): header
   * reads (page counts) without fetching whole files. Throws `NotFoundError` when absent.
   */
  getRange(bucket: string, key: string, start: number, length: number): Promise<Buffer>;
  /**
   * Create or replace an object atomically: a reader sees the old or the whole new object. `body` is
   * read only until the returned promise settles: the caller may then reuse it (the planner writes
   * its large records from one reused buffer), so a store must not keep a reference to it.
   */
  put(bucket: string, key: string, body: Body, options?: PutOptions): Promise<void>;
  /**
   * Create an object only if no object has that key (S3 `IfNoneMatch: '*'`).
   * Returns `false`, writing nothing, when one already exists. `body` as for `put`.
   */
  putIfAbsent(bucket: string, key: string, body: Body, options?: PutOptions): Promise<boolean>;
  /** Remove an object; no error when it is absent. */
  delete(bucket: string, key: string): Promise<void>;
  /**
   * Optional capability: the path of a local file that holds the object's bytes, or `undefined`
   * when there is none (absent object, or a store without local files). Readers that need random
   * access (image decoders) use it to skip copying the object; they must only read the file.
   */
  localPath?(bucket: string, key: string): Promise<string | undefined>;
  /**
   * Optional capability: create or replace `toKey` (atomically, as `put`) with the bytes of
   * `fromKey`, without sending them again: files published under two names (`full/max` and the
   * largest `sizes` entry) are written once. A store without it gets the bytes `put` twice.
   * Throws `NotFoundError` when `fromKey` is absent.
   */
  copy?(bucket: string, fromKey: string, toKey: string): Promise<void>;
}

/**
 * Put a one-line JSON document that `write` writes into a buffer taken from `pool` (or a new one),
 * as `putJson` with `compact` would put it. The buffer goes back to `pool` only once the put has
 * succeeded (a failed put may still be sending it): records written one after another, as the
 * planner writes a million images' worth, reuse a few buffers instead of making a string each.
 */
export async function putJsonBytes(
  storage: Storage,
  bucket: string,
  key: string,
  pool: JsonBytes[],
  write: (out: JsonBytes) => void,
): Promise<void> {
  const out = pool.pop()?.reset() ?? new JsonBytes();
  write(out);
  out.raw('\n');
  await storage.put(bucket, key, out.view(), { contentType: 'application/json' });
  pool.push(out);
}

/** Read and parse a JSON object. Throws `NotFoundError` when absent. */
export async function getJson<T>(storage: Storage, bucket: string, key: string): Promise<T> {
  const bytes = await storage.getBytes(bucket, key);
  return JSON.parse(bytes.toString('utf8')) as T;
}

/** Read and parse a JSON object, or `undefined` when absent. */
export async function getJsonIfExists<T>(storage: Storage, bucket: string, key: string): Promise<T | undefined> {
  try {
    return await getJson<T>(storage, bucket, key);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Write a JSON document, pretty-printed (run records are read by people too), or `compact` on one
 * line for large machine-read records (shard descriptions, item lists: a million images' worth).
 */
export async function putJson(
  storage: Storage,
  bucket: string,
  key: string,
  value: unknown,
  options: PutOptions & { readonly compact?: boolean } = {},
): Promise<void> {
  const { compact, ...put } = options;
  await storage.put(bucket, key, `${compact === true ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`, {
    contentType: 'application/json',
    ...put,
  });
}
