import { errorMessage } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { mapLimit } from '../util/for-each-limited.js';
import { checkService, encodeKey, type VerifyProblem } from './check-service.js';

export type { VerifyProblem } from './check-service.js';

/** What `verify` found: `complete` when every checked file exists and is right. */
export interface VerifyResult {
  readonly status: 'complete' | 'incomplete';
  /** Image services checked (each: its info.json and every file it implies). */
  readonly services: number;
  /** Files a viewer may request that were found (info.json included). */
  readonly files: number;
  /** Manifests and collections checked. */
  readonly documents: number;
  /** How many problems there are (the list may be shortened to `MAX_PROBLEMS_LISTED`). */
  readonly problemCount: number;
  readonly problems: readonly VerifyProblem[];
  /** Service keys with a problem (a rerun tiles them again once their resume marker is gone). */
  readonly incompleteServices: readonly string[];
}

/** The most problems a result lists (a whole missing level can be thousands of tiles). */
export const MAX_PROBLEMS_LISTED = 1000;

export interface VerifyInput {
  readonly bucket: string;
  /**
   * The image services to check, by key prefix of their folders: `{folder}/{name}` for each name.
   * Each folder is listed once (about one LIST per thousand files), never a HEAD per file.
   */
  readonly services: ReadonlyMap<string, readonly string[]>;
  /** Manifests and collections (keys) whose references must exist. */
  readonly documents: readonly string[];
  /**
   * The public base URL of the bucket (DEST_URL): a reference is the key after it. Without it (a
   * tree verified by prefix), each document's and info.json's own `id` says where its base is.
   */
  readonly baseUrl?: string;
}

const CONCURRENCY = 16;

/**
 * Check published static IIIF as a viewer would use it. For each image service: info.json parses
 * and is the level-0 document its size and tiles imply (`readServiceInfo`), its `id` names its own
 * location, and every URL OpenSeadragon (2.4 and later) and Mirador derive from it exists and is
 * not empty: each tile of each scale factor, `full/max` (2.1 `full/full`), each `sizes` entry. For
 * each manifest and collection: every image, image service, manifest and collection it references
 * under the base URL exists (services referenced but not in `services` are checked too).
 */
export async function verifyPublished(storage: Storage, input: VerifyInput): Promise<VerifyResult> {
  const problems: VerifyProblem[] = [];
  let files = 0;
  const checked = new Set<string>();
  const incomplete = new Set<string>();

  // 1. The documents: what they reference (files are looked up in the service listings below).
  const fileReferences = new Map<string, string>(); // key -> the document naming it
  const services = new Map<string, Set<string>>();
  const addService = (serviceKey: string): void => {
    const slash = serviceKey.lastIndexOf('/');
    const folder = slash < 0 ? '' : serviceKey.slice(0, slash);
    const names = services.get(folder) ?? new Set<string>();
    names.add(serviceKey.slice(slash + 1));
    services.set(folder, names);
  };
  for (const [folder, names] of input.services) {
    for (const name of names) addService(folder === '' ? name : `${folder}/${name}`);
  }
  const documentProblems = await mapLimit(input.documents, CONCURRENCY, async (key) => {
    const found: VerifyProblem[] = [];
    let document: unknown;
    try {
      document = JSON.parse((await storage.getBytes(input.bucket, key)).toString('utf8'));
    } catch (error) {
      return [{ kind: 'missing', key, reason: `cannot be read as JSON: ${errorMessage(error)}` } as VerifyProblem];
    }
    const base = input.baseUrl ?? baseOf(document, key);
    if (base === undefined) {
      return [{ kind: 'bad', key, reason: 'its "id" does not name its own location' } as VerifyProblem];
    }
    for (const reference of references(document)) {
      const target = keyOf(reference.url, base);
      if (target === undefined) {
        found.push({ kind: 'bad', key, reason: `references ${reference.url}, which is not under ${base}` });
      } else if (reference.kind === 'service') {
        addService(target);
      } else if (target !== key && !fileReferences.has(target)) {
        fileReferences.set(target, key);
      }
    }
    return found;
  });
  for (const found of documentProblems) problems.push(...found);

  // 2. The services, a folder (item) at a time: one listing per folder.
  await mapLimit([...services], CONCURRENCY, async ([folder, names]) => {
    const listed = new Map<string, number>();
    const prefix = folder === '' ? '' : `${folder}/`;
    for await (const object of storage.list(input.bucket, prefix)) {
      listed.set(object.key, object.size);
      fileReferences.delete(object.key);
    }
    for (const name of names) {
      const serviceKey = `${prefix}${name}`;
      checked.add(serviceKey);
      const found = await checkService(storage, {
        bucket: input.bucket,
        serviceKey,
        listed,
        ...(input.baseUrl === undefined ? {} : { baseUrl: input.baseUrl }),
      });
      files += found.files;
      if (found.problems.length > 0) incomplete.add(serviceKey);
      problems.push(...found.problems);
    }
  });

  // 3. Referenced files outside every listed folder (the collection, other items' manifests).
  const missing = await mapLimit([...fileReferences], CONCURRENCY, async ([target, by]) =>
    (await storage.head(input.bucket, target)) === undefined
      ? ({ kind: 'missing', key: target, reason: `referenced by ${by}` } as VerifyProblem)
      : undefined,
  );
  for (const problem of missing) if (problem !== undefined) problems.push(problem);

  return {
    status: problems.length === 0 ? 'complete' : 'incomplete',
    services: checked.size,
    files,
    documents: input.documents.length,
    problemCount: problems.length,
    problems: problems.slice(0, MAX_PROBLEMS_LISTED),
    incompleteServices: [...incomplete].sort(),
  };
}

/** A reference to a file (image, manifest, collection) or to an image service. */
interface Reference {
  readonly url: string;
  readonly kind: 'file' | 'service';
}

const FILE_TYPES = new Set(['Image', 'dctypes:Image', 'Manifest', 'sc:Manifest', 'Collection', 'sc:Collection']);
const SERVICE_TYPES = new Set(['ImageService3', 'ImageService2', 'ImageService1']);

/** Every typed reference in a Presentation 3 or 2.1 document, except to the document itself. */
function references(document: unknown): Reference[] {
  const found: Reference[] = [];
  const visit = (value: unknown, root: boolean): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, false);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const node = value as Record<string, unknown>;
    const url = node.id ?? node['@id'];
    const type = node.type ?? node['@type'];
    const context = node['@context'];
    const isService =
      (typeof type === 'string' && SERVICE_TYPES.has(type)) ||
      (!root && typeof context === 'string' && context.startsWith('http://iiif.io/api/image/'));
    if (!root && typeof url === 'string') {
      if (isService) found.push({ url, kind: 'service' });
      else if (typeof type === 'string' && FILE_TYPES.has(type)) found.push({ url, kind: 'file' });
    }
    for (const [key, child] of Object.entries(node)) if (key !== '@context') visit(child, false);
  };
  visit(document, true);
  return found;
}

/** The base URL of a document whose own `id` is the base followed by its key. */
function baseOf(document: unknown, key: string): string | undefined {
  const node = document as Record<string, unknown> | null;
  const id = node?.id ?? node?.['@id'];
  const suffix = `/${encodeKey(key)}`;
  return typeof id === 'string' && id.endsWith(suffix) ? id.slice(0, -suffix.length) : undefined;
}

function keyOf(url: string, base: string): string | undefined {
  if (!url.startsWith(`${base}/`)) return undefined;
  try {
    return url
      .slice(base.length + 1)
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
  } catch {
    return undefined;
  }
}
