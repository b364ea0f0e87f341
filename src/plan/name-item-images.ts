import { imageNames, pageNames } from './image-names.js';
import { naturalCompare } from './natural-compare.js';

/** One item's files in order, and the names their images are published under. */
export interface ItemImages {
  /** Indexes of the given files, in natural order of their names. */
  readonly order: number[];
  /** Image names of each file, in `order`: one, or one per page of a multi-page file. */
  readonly imageNames: (readonly string[])[];
  /** Image name by file name (a multi-page file's name before `_p1`, `_p2` …): what is recorded. */
  readonly names: Map<string, string>;
  /** Whether `names` differ from the recorded names (a new item, files added or removed): to record. */
  readonly changed: boolean;
}

/**
 * Order and name the images of one item (a folder that directly holds images): files in natural
 * order of their names (`page2` before `page10`), image names stable across reruns (`imageNames`,
 * keeping `recorded` ones), each page of a multi-page file an image of its own in page order at
 * its file's place (`pageNames`).
 *
 * @param fileNames the names (not keys) of the item's image files, in any order
 * @param pageCounts the page count of each file, at the same index (1 for a single image)
 * @param recorded image names by file name from the item's earlier runs
 */
export function nameItemImages(
  fileNames: readonly string[],
  pageCounts: readonly number[],
  recorded?: ReadonlyMap<string, string>,
): ItemImages {
  const order = fileNames.map((_, index) => index);
  order.sort((a, b) => naturalCompare(fileNames[a] as string, fileNames[b] as string));
  const sorted = order.map((index) => fileNames[index] as string);
  const names = imageNames(sorted, recorded);
  const multiPage = new Map<string, number>();
  order.forEach((index, at) => {
    const pages = pageCounts[index] ?? 1;
    if (pages > 1) multiPage.set(sorted[at] as string, pages);
  });
  const pages = multiPage.size === 0 ? undefined : pageNames(names, multiPage);
  return {
    order,
    imageNames: sorted.map((fileName) => pages?.get(fileName) ?? [names.get(fileName) ?? fileName]),
    names,
    changed: !sameNames(names, recorded),
  };
}

function sameNames(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string> | undefined): boolean {
  if (b === undefined || a.size !== b.size) return false;
  for (const [fileName, name] of a) if (b.get(fileName) !== name) return false;
  return true;
}
