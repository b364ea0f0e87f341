/**
 * Turn a date as cataloguers write it into an IIIF `navDate`: an xsd:dateTime in UTC,
 * `YYYY-MM-DDThh:mm:ssZ` (Presentation 3.0 §3.4 navDate). Accepted, after trimming:
 *
 * - ISO 8601 dates and times: `1984`, `1984-05`, `1984-05-02`, `1984-05-02T10:30`, `1984-05-02 10:30:15`,
 *   `1984-05-02T10:30:15.250+02:00`, `…Z` (no offset means UTC);
 * - approximate years: `c. 1920`, `ca. 1920`, `circa 1920`, `[1920]`, `1920?`, decades `1920s`;
 * - ranges, which navigate by their start: `1920-1925`, `1920/1925`, `1920 - 1925`, `2001-03-04/2001-05-06`.
 *
 * Anything else (`undated`, `Spring 1920`, `1984-02-30`) gives `undefined`: a navDate is optional and
 * must never be wrong.
 *
 * @param value the cell's text
 * @returns `YYYY-MM-DDThh:mm:ssZ`, or `undefined` when the text is not a date this function understands
 */
export function parseNavDate(value: string): string | undefined {
  let text = value.trim();
  if (text === '') return undefined;
  // Brackets and question marks mark an inferred or uncertain date; the date still navigates.
  text = text
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\?$/, '')
    .trim();
  text = text.replace(/^(?:c\.|ca\.?|circa|approx\.?)\s*/i, '');
  const decade = /^(\d{3})0s$/.exec(text);
  if (decade?.[1] !== undefined) return format(Number(`${decade[1]}0`), 1, 1, 0, 0, 0);
  const range = /^(.+?)\s*(?:\/|\s-\s|(?<=^\d{4})-(?=\d{4}$))\s*(.+)$/.exec(text);
  if (range?.[1] !== undefined && range[2] !== undefined) {
    const start = parseIso(range[1]);
    // Both ends must be dates, so "1920/abc" is not taken for 1920.
    return start !== undefined && parseIso(range[2]) !== undefined ? start : undefined;
  }
  return parseIso(text);
}

const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/i;

function parseIso(text: string): string | undefined {
  const match = ISO.exec(text.trim());
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, zone] = match;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const zoneMatch = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (zoneMatch === null) return undefined;
    const [, sign, zh, zm] = zoneMatch;
    if (Number(zh) > 23 || Number(zm) > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  }
  if (offsetMinutes === 0) return format(year, month, day, hour, minute, second);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offsetMinutes, second, 0);
  return format(
    utc.getUTCFullYear(),
    utc.getUTCMonth() + 1,
    utc.getUTCDate(),
    utc.getUTCHours(),
    utc.getUTCMinutes(),
    utc.getUTCSeconds(),
  );
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function format(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): string | undefined {
  if (year < 0 || year > 9999) return undefined;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}Z`;
}
