import type { RunWarning } from '../run/run-warning.js';
import { closestName } from '../task/closest-name.js';
import type { MetadataRow } from './metadata-table.js';

/** Beyond this many row × folder pairs (a wrong CSV), only case differences are suggested. */
const MAX_TYPO_COMPARISONS = 250_000;

export interface CsvMatch {
  /** CSV identifiers that match no item of this run, no earlier item and not the collection. */
  readonly unmatchedRows: readonly string[];
  /** Items of this run with no CSV row. */
  readonly itemsWithoutRow: readonly string[];
  /** One warning per unmatched row and per item without a row, with a "did you mean" when one is likely. */
  readonly warnings: readonly RunWarning[];
}

/**
 * Match the CSV's rows to the items: a row belongs to an item of this run, to an item published by
 * an earlier run of the collection, or to the collection itself. Identifiers match exactly (they
 * are folder names, which are case-sensitive in S3); a row that differs from a folder only in case
 * or by a likely typo is named with that folder as the suggestion, and so is the folder.
 *
 * @param csv the CSV's location, as warnings name it
 */
export function matchCsvRows(input: {
  readonly rows: ReadonlyMap<string, MetadataRow>;
  readonly runItems: readonly string[];
  readonly earlierItems: ReadonlySet<string>;
  readonly collectionId: string;
  readonly csv: string;
}): CsvMatch {
  const { rows, runItems, earlierItems, collectionId, csv } = input;
  const inRun = new Set(runItems);
  const unmatched = [...rows.values()].filter(
    (row) => row.identifier !== collectionId && !inRun.has(row.identifier) && !earlierItems.has(row.identifier),
  );
  const withoutRow = runItems.filter((id) => !rows.has(id));

  // Suggestions pair an unmatched row with an item without a row, each side naming the other:
  // first those that differ only in case, then likely typos among the rest.
  const pairs = new Map<MetadataRow, string>();
  const paired = new Set<string>();
  const folderOf = new Map(withoutRow.map((id) => [id.toLowerCase(), id]));
  for (const row of unmatched) {
    const folder = folderOf.get(row.identifier.toLowerCase());
    if (folder === undefined || paired.has(folder)) continue;
    pairs.set(row, folder);
    paired.add(folder);
  }
  const lonelyRows = unmatched.filter((row) => !pairs.has(row));
  const lonelyFolders = withoutRow.filter((id) => !paired.has(id));
  if (lonelyRows.length * lonelyFolders.length <= MAX_TYPO_COMPARISONS) {
    for (const row of lonelyRows) {
      const folder = closestName(
        row.identifier,
        lonelyFolders.filter((id) => !paired.has(id)),
      );
      if (folder === undefined) continue;
      pairs.set(row, folder);
      paired.add(folder);
    }
  }
  const rowOf = new Map([...pairs].map(([row, folder]) => [folder, row]));

  const warnings: RunWarning[] = [];
  for (const row of unmatched) {
    const folder = pairs.get(row);
    warnings.push({
      code: 'csv-row-without-item',
      message:
        `${csv}: line ${row.line}: the row "${row.identifier}" matches no item folder` +
        (folder === undefined
          ? '; its metadata is not used'
          : `; did you mean the folder "${folder}"? Identifiers must match folder names exactly (case too)`),
      file: csv,
      line: row.line,
      ...(folder === undefined ? {} : { suggestion: folder }),
    });
  }
  for (const id of withoutRow) {
    const row = rowOf.get(id);
    warnings.push({
      code: 'item-without-csv-row',
      message:
        `item "${id}" has no row in ${csv}: its manifest has no title and no metadata` +
        (row === undefined ? '' : `; did you mean the row "${row.identifier}" (line ${row.line})?`),
      item: id,
      file: csv,
      ...(row === undefined ? {} : { suggestion: row.identifier, line: row.line }),
    });
  }
  return { unmatchedRows: unmatched.map((row) => row.identifier), itemsWithoutRow: withoutRow, warnings };
}
