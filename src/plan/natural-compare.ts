const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
/** Longest digit run compared by value here (far below the collator's 254). */
const MAX_DIGITS = 100;

/**
 * Natural order of file and folder names: digit runs compare by value (`page2` before `page10`),
 * letters case-insensitively; ties fall back to plain code-point order so the order is total.
 *
 * The collator decides, but it is slow for a million names, and most pairs of names differ first
 * in a number (`page2`, `page10`). When two names are the same up to a run of ASCII digits in each
 * whose values differ, that run is the collator's first difference at its primary level (the same
 * characters before it give the same collation elements, and numeric collation weighs a digit run
 * by its value), so the values decide without asking it.
 */
export function naturalCompare(a: string, b: string): number {
  const byNumber = compareFirstNumbers(a, b);
  if (byNumber !== 0) return byNumber;
  const natural = collator.compare(a, b);
  if (natural !== 0) return natural;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order of the digit runs where `a` and `b` first differ, or 0 when that is not two numbers of different value. */
function compareFirstNumbers(a: string, b: string): number {
  let at = 0;
  const shorter = Math.min(a.length, b.length);
  while (at < shorter && a.charCodeAt(at) === b.charCodeAt(at)) at++;
  // Back to the start of the digit run the first difference is in (if any).
  while (at > 0 && isDigit(a.charCodeAt(at - 1))) at--;
  if (!isDigit(a.charCodeAt(at)) || !isDigit(b.charCodeAt(at))) return 0;
  let endA = at;
  while (isDigit(a.charCodeAt(endA))) endA++;
  let endB = at;
  while (isDigit(b.charCodeAt(endB))) endB++;
  // Numeric collation weighs runs of up to 254 digits as one number, of any script's digits (١٢),
  // and sees through characters it ignores (controls, soft hyphens): a run beside a character
  // that is not printable ASCII is left to it.
  if (endA - at > MAX_DIGITS || endB - at > MAX_DIGITS) return 0;
  if (!plain(a.charCodeAt(endA)) || !plain(b.charCodeAt(endB)) || (at > 0 && !plain(a.charCodeAt(at - 1)))) return 0;
  // Compare values: leading zeros aside, a longer run is a larger number.
  let startA = at;
  while (startA < endA - 1 && a.charCodeAt(startA) === 48) startA++;
  let startB = at;
  while (startB < endB - 1 && b.charCodeAt(startB) === 48) startB++;
  const lengths = endA - startA - (endB - startB);
  if (lengths !== 0) return lengths < 0 ? -1 : 1;
  for (let offset = 0; offset < endA - startA; offset++) {
    const difference = a.charCodeAt(startA + offset) - b.charCodeAt(startB + offset);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return 0;
}

/** Printable ASCII, or past the end of the name (NaN). */
function plain(code: number): boolean {
  return Number.isNaN(code) || (code >= 32 && code < 127);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
