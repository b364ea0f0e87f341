/**
 * Warnings: things a person must look at or act on although the run went on (an item published
 * without its CSV metadata, a page of a source that was not used, a file that was not read). Every
 * warning reaches the terminal summary of `run`, `--json` (`"warnings": [...]`), `status` and the
 * run report: never only a record file or a log line.
 *
 * Each has a stable `code` (scripts branch on it; the message may be reworded) and names what it
 * is about: the item, the source file, the CSV line. Add a code here, with its meaning, before
 * emitting it; retire one by removing it here (old reports keep the string).
 */
export const RUN_WARNING_CODES = {
  /** A CSV row's identifier matches no item; `suggestion` names a folder that differs only in case or by a typo. */
  'csv-row-without-item': 'a CSV row whose identifier matches no item of the collection',
  /** An item (folder) has no CSV row: its manifest has no title and no metadata. */
  'item-without-csv-row': 'an item published without a CSV row (no title, no metadata)',
  /** A CSV cell or column that could not be used as written (repeated column, value without header, unparseable date). */
  'csv-value-unused': 'a CSV value that was not used as written',
  /** A multi-page or multi-frame source of which only the first page or frame was published. */
  'source-pages-ignored': 'only the first page (or frame) of a multi-page source was published',
  /** A PDF page rendered below PDF_DPI so that its longest side stays within FULL_MAX_SIZE. */
  'pdf-resolution-capped': 'a PDF page rendered below PDF_DPI (its longest side capped by FULL_MAX_SIZE)',
  /** A source whose content is another format than its file name says (it was read by content). */
  'source-format-mismatch': 'a source whose content is not the format its file name says',
  /** A file of ACCESS_DIR that was not read: a symbolic link that is broken, loops, or leaves the local root. */
  'source-link-ignored': 'a symbolic link under ACCESS_DIR that was not followed',
  /**
   * The run took its collection's lease from a run that had not released it (that run's process
   * was gone, it showed no sign of life for the lease's time, or it ended without releasing it).
   */
  'lease-taken-over': "the collection's lease was taken from a run that had not released it",
  /**
   * A resume marker said an image was published, but its service was not complete (files missing,
   * or another info.json): the image was tiled again.
   */
  'published-service-incomplete': 'an image whose published service was incomplete was tiled again',
  /** QC (measured on a small level while tiling): a nearly uniform image, a blank or black page. */
  'qc-uniform': 'a nearly uniform image (blank or black page)',
  /** QC: a constant band along the bottom or right edge, the signature of a master cut short. */
  'qc-edge-band': 'a band of one colour along the bottom or right edge (a master cut short?)',
  /** QC: the same decoded pixels as another image of the run. */
  'qc-duplicate': 'an exact duplicate of another image of the run',
  /** QC: landscape among portrait pages of its item (or the other way round). */
  'qc-orientation': 'a page of another orientation than the rest of its item (rotated?)',
  /** QC: a pixel area far from its item's median. */
  'qc-size-outlier': 'a page of far another pixel size than the rest of its item',
  /** QC: a colour page among grey ones. */
  'qc-colour-outlier': 'a colour page among grey pages of its item',
} as const;

export type RunWarningCode = keyof typeof RUN_WARNING_CODES;

/** One warning, as the report, `--json` and `status` give it. */
export interface RunWarning {
  readonly code: RunWarningCode;
  /** A sentence a person can act on: what is wrong, where, and what to do. */
  readonly message: string;
  /** The item (folder identifier) concerned. */
  readonly item?: string;
  /** The file concerned: a source key in `AWS_SRC_BUCKET`, or where the CSV is (a path or `s3://…`). */
  readonly file?: string;
  /** 1-based line of the CSV file. */
  readonly line?: number;
  /** A likely intended value ("did you mean"). */
  readonly suggestion?: string;
}

/** How many warnings a person sees in the terminal; `--json` and the report always hold all. */
export const WARNINGS_SHOWN = 50;

/** Warnings as terminal lines: up to `WARNINGS_SHOWN`, then how many more there are. */
export function formatWarnings(warnings: readonly RunWarning[], indent = '  '): string[] {
  if (warnings.length === 0) return [];
  const lines = [`Warnings (${warnings.length}):`];
  for (const warning of warnings.slice(0, WARNINGS_SHOWN)) lines.push(`${indent}[${warning.code}] ${warning.message}`);
  if (warnings.length > WARNINGS_SHOWN) {
    lines.push(`${indent}… and ${warnings.length - WARNINGS_SHOWN} more (see --json or the report)`);
  }
  return lines;
}
