import type { RunWarning } from '../run/run-warning.js';

/** A label and a value as the CSV gives them: the column's header (as written) and the cell's text. */
export interface LabelledValue {
  readonly label: string;
  readonly value: string;
}

/**
 * One CSV row, for the item (or the collection) whose identifier it names. Empty cells are left out
 * everywhere: an empty `title` is no title.
 */
export interface MetadataRow {
  readonly identifier: string;
  /** 1-based line of the file where the row starts (a row may span lines in quoted fields). */
  readonly line: number;
  /** From the `title` column: the manifest's `label`. */
  readonly title?: string;
  /** From the `description` column: the manifest's `summary`. */
  readonly description?: string;
  /**
   * From the `rights` column, only when the cell is an absolute URI (a licence or rights statement);
   * any other text in that column is kept in `metadata`.
   */
  readonly rights?: LabelledValue;
  /** From the `requiredStatement` column, or else the `attribution` column. */
  readonly requiredStatement?: LabelledValue;
  /**
   * From a `navDate` column, or else a `date`/`dateCreated`/`created` column, when its text parses
   * as a date (see `parseNavDate`): `YYYY-MM-DDThh:mm:ssZ`.
   */
  readonly navDate?: string;
  /** Every other column with a value, in CSV order, labelled with the header as written. */
  readonly metadata: readonly LabelledValue[];
}

/** A parsed metadata CSV. */
export interface MetadataTable {
  /** Where it was read from (named in messages). */
  readonly source: string;
  /** Header labels as written, in order. */
  readonly columns: readonly string[];
  /** Rows by identifier, in file order. */
  readonly rows: ReadonlyMap<string, MetadataRow>;
  /** Things a person may want to fix that do not stop the run (e.g. an unparseable navDate). */
  readonly warnings: readonly RunWarning[];
}
