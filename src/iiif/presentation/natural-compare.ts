const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Natural order of names (file names, item identifiers): digit runs compare by value (`page2` before
 * `page10`), letters without regard to case or accents; ties fall back to code-point order, so the
 * order is total and the same on every run.
 */
export function naturalCompare(a: string, b: string): number {
  const natural = collator.compare(a, b);
  if (natural !== 0) return natural;
  return a < b ? -1 : a > b ? 1 : 0;
}
