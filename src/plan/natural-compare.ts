const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Natural order of file and folder names: digit runs compare by value (`page2` before `page10`),
 * letters case-insensitively; ties fall back to plain code-point order so the order is total.
 */
export function naturalCompare(a: string, b: string): number {
  const natural = collator.compare(a, b);
  if (natural !== 0) return natural;
  return a < b ? -1 : a > b ? 1 : 0;
}
