import * as z from 'zod';

/**
 * The rules every setting is checked with: task file, environment, CLI flags and stack settings.
 * Each rule's error text is *what was expected*, so that `parseInput` can say "Expected integer
 * between 64 and 4096 for TILE_SIZE but received "0"" (sharp's message shape) in any of them.
 * Import zod as `import * as z from 'zod'`: esbuild then leaves out what is unused (the submitter
 * Lambda's bundle is ~180 kB instead of ~550 kB with `import { z }`, which pulls in every locale).
 */

/** A string that passes `test`. */
export function text(expected: string, test: (value: string) => boolean = () => true) {
  return z.string({ error: expected }).refine(test, { error: expected });
}

/** A whole number from `min` to `max`, both included. */
export function integer(min: number, max: number) {
  const expected = `integer between ${min} and ${max}`;
  return z.number({ error: expected }).refine((value) => Number.isInteger(value) && value >= min && value <= max, {
    error: expected,
  });
}

/** A number from `min` to `max`, both included. */
export function number(min: number, max: number, expected = `number between ${min} and ${max}`) {
  return z.number({ error: expected }).refine((value) => value >= min && value <= max, { error: expected });
}

/** One of a few values. */
export function oneOf<const T extends readonly [string | number, ...(string | number)[]]>(
  values: T,
  expected = `one of ${values.join(', ')}`,
) {
  return z.literal(values, { error: expected });
}

export const flag = z.boolean({ error: 'true or false' });

/** A list of values each passing `rule`, without duplicates. */
export function list<T extends z.ZodType<string>>(rule: T, expected: string) {
  return z.array(rule, { error: `a list of strings (${expected})` }).superRefine((values, context) => {
    const duplicate = values.find((value, index) => values.indexOf(value) !== index);
    if (duplicate !== undefined) {
      context.addIssue({
        code: 'custom',
        message: 'a list without duplicates',
        params: { received: `"${duplicate}" twice` },
      });
    }
  });
}

/** The same rule over text (environment variables, task-file values): `parse` turns the text into the rule's type. */
export function fromText<T extends z.ZodType>(rule: T, parse: (text: string) => unknown) {
  return z
    .string()
    .transform((value) => parse(value.trim()))
    .pipe(rule);
}

/** "12" → 12; anything else (including "1.5" and "0x10") → NaN, which no number rule accepts. */
export function asNumber(text: string): number {
  return /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
}

/** "true", "1", "yes" → true; "false", "0", "no" → false (any case); anything else stays text. */
export function asBoolean(text: string): boolean | string {
  const word = text.toLowerCase();
  if (['true', '1', 'yes'].includes(word)) return true;
  if (['false', '0', 'no'].includes(word)) return false;
  return text;
}

/** An S3 bucket name: 3–63 lowercase letters, digits, "." or "-", no "..", not an IP address. */
export function isBucketName(value: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(value)
  );
}

export const bucketName = text('an S3 bucket name', isBucketName);

/** A key prefix as folder names separated by "/": no empty, "." or ".." segment, no "\" or control character. */
export function isKeyPath(value: string): boolean {
  return (
    value !== '' &&
    value.length <= 1024 &&
    !value.includes('\\') &&
    !/[\u0000-\u001f]/.test(value) &&
    value.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
  );
}

/** A key prefix given with or without leading and trailing "/" (removed), e.g. "iawa/Women_of_Design". */
export const keyPath = z
  .string({ error: 'a path such as "a/b"' })
  .transform((value) => value.replace(/^\/+/, '').replace(/\/+$/, ''))
  .refine((value) => value !== '', { error: 'a path such as "a/b"' })
  .refine(isKeyPath, {
    error: 'a relative path of folder names separated by "/" (no "..", ".", "//" or "\\")',
  });

/** A key prefix as S3 notifications filter keys: folder names, no leading "/", a trailing one kept ("tasks/"). */
export function isKeyPrefix(value: string): boolean {
  return !value.startsWith('/') && isKeyPath(value.replace(/\/+$/, ''));
}

export const keyPrefix = text('a non-empty key prefix without a leading /', isKeyPrefix);

/** One key segment: a single name. */
export const singleName = text(
  'a single name without "/", "\\" or ".."',
  (value) => !/[/\\\u0000-\u001f]/.test(value) && value !== '.' && value !== '..',
);

/** An absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  return /^https?:$/.test(parseUrl(value)?.protocol ?? '');
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export const httpUrl = text('an absolute http(s) URL', isHttpUrl);

/**
 * The public base URL of published files: absolute http(s), no query, fragment or credentials.
 * "?" and "#" are refused as written: the URL parser drops an empty one, which every id would keep.
 * Trailing "/" are removed.
 */
export const baseUrl = z
  .string({ error: 'an absolute http(s) URL' })
  .superRefine((value, context) => {
    const url = parseUrl(value);
    if (value.includes('?') || value.includes('#')) {
      context.addIssue({
        code: 'custom',
        message: 'a base URL without a query or fragment (no "?" or "#", not even an empty one)',
      });
    } else if (url === undefined) {
      context.addIssue({ code: 'custom', message: 'an absolute http(s) URL such as https://iiif.example.org' });
    } else if (!isHttpUrl(value)) {
      context.addIssue({
        code: 'custom',
        message: 'an absolute http(s) URL',
        params: { received: `the scheme "${url.protocol}" in "${value}"` },
      });
    } else if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      context.addIssue({ code: 'custom', message: 'a base URL without query, fragment or credentials' });
    }
  })
  .transform((value) => new URL(value).href.replace(/\/+$/, ''));

/** A TCP port; 0 asks for any free one. */
export const port = integer(0, 65535);

/** Attempts per Batch job, including the first: stack setting and submitter environment. */
export const jobAttempts = integer(1, 10);

/** Uploads a shard worker keeps in flight: stack setting and worker environment. */
export const uploadConcurrency = integer(1, 256);
