import { createHash } from 'node:crypto';

/**
 * URL-safe image names for the files of one item, unique within the item and identical on every
 * rerun over the same folder: the file name without extension, with every character outside
 * `A-Z a-z 0-9 . _ -` replaced by `_` (and a final `.json` made `_json`, so no image folder can
 * clash with the item's `manifest.json`). Files that would share a name keep their extension
 * (`scan_tif`, `scan_jpg`); any clash left gets a short hash of the original file name.
 *
 * A name once published is kept: a file listed in `recorded` (the names of the item's earlier
 * runs, see `ImageNameRecords`) keeps its recorded name for as long as it exists, and only a
 * newcomer is named around the names in use. So `p1.tif` added beside a published `p1.jpg` is
 * `p1_tif`, and `p1.jpg` stays `p1`: its URLs, and every citation of them, stay valid.
 *
 * @param fileNames file names (not keys) of one item's images
 * @param recorded image names by file name from earlier runs (files no longer present are ignored)
 * @returns a map from file name to image name
 */
export function imageNames(
  fileNames: readonly string[],
  recorded: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  const byStem = new Map<string, string>(fileNames.map((fileName) => [fileName, sanitise(stem(fileName))]));
  const withExtension = resolveClashes(byStem, (fileName) => sanitise(fileName.replace(/\.([^.]*)$/, '_$1')));
  const fresh = resolveClashes(withExtension, (fileName, name) => `${name}_${shortHash(fileName)}`);
  if (recorded.size === 0) return fresh;

  const result = new Map<string, string>();
  const taken = new Set<string>();
  for (const fileName of fileNames) {
    const name = recorded.get(fileName);
    if (name === undefined || taken.has(name)) continue;
    result.set(fileName, name);
    taken.add(name);
  }
  for (const fileName of fileNames) {
    if (result.has(fileName)) continue;
    const candidates = [
      fresh.get(fileName) ?? sanitise(stem(fileName)),
      withExtension.get(fileName) ?? sanitise(fileName),
      `${withExtension.get(fileName) ?? sanitise(fileName)}_${shortHash(fileName)}`,
    ];
    let name = candidates.find((candidate) => !taken.has(candidate));
    for (let counter = 2; name === undefined; counter++) {
      const numbered = `${candidates[2]}_${counter}`;
      if (!taken.has(numbered)) name = numbered;
    }
    result.set(fileName, name);
    taken.add(name);
  }
  // In file-name order, as without records.
  return new Map(fileNames.map((fileName) => [fileName, result.get(fileName) as string]));
}

/**
 * Names of the pages of multi-page files: the file's image name with `_p1`, `_p2` … (`letter_p2`).
 * When a page name would equal another file's image name (`letter_p1.tif` beside a multi-page
 * `letter.tif`), that file's pages also carry a short hash of its file name (`letter_1a2b3c4d_p1`).
 *
 * @param names image names by file name (see `imageNames`)
 * @param pageCounts page counts by file name; files of one page are not listed in the result
 * @returns page names in page order, by file name, for files of more than one page
 */
export function pageNames(
  names: ReadonlyMap<string, string>,
  pageCounts: ReadonlyMap<string, number>,
): Map<string, string[]> {
  const taken = new Set<string>();
  for (const [fileName, name] of names) if ((pageCounts.get(fileName) ?? 1) <= 1) taken.add(name);
  const result = new Map<string, string[]>();
  for (const [fileName, name] of names) {
    const count = pageCounts.get(fileName) ?? 1;
    if (count <= 1) continue;
    const numbered = (base: string): string[] => Array.from({ length: count }, (_, index) => `${base}_p${index + 1}`);
    let pages = numbered(name);
    if (pages.some((page) => taken.has(page))) pages = numbered(`${name}_${shortHash(fileName)}`);
    for (const page of pages) taken.add(page);
    result.set(fileName, pages);
  }
  return result;
}

function resolveClashes(
  names: Map<string, string>,
  rename: (fileName: string, name: string) => string,
): Map<string, string> {
  const counts = new Map<string, number>();
  for (const name of names.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  if (counts.size === names.size) return names; // no clash
  const result = new Map<string, string>();
  for (const [fileName, name] of names) {
    result.set(fileName, (counts.get(name) ?? 0) > 1 ? rename(fileName, name) : name);
  }
  return result;
}

/** A file name without its extension (`scan.tif` → `scan`; `.tif` and `scan` stay as they are). */
export function stem(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/** A name `sanitise` keeps as it is (most file names): checked once instead of four passes. */
const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

function sanitise(name: string): string {
  if (SAFE.test(name) && !/\.json$/i.test(name)) return name;
  const safe = name
    .normalize('NFC')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    // An image folder sits beside the item's manifest.json: no image name may end in ".json".
    .replace(/\.json$/i, '_json');
  return safe === '' ? 'image' : safe;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
}
