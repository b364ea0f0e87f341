import * as z from 'zod';
import { InvalidInputError } from '../errors.js';
import { closestName } from '../task/closest-name.js';

/** What is wrong with an input, in words a message can use. */
export interface Problem {
  /** Keys and indexes from the root to the value at fault: `['compute', 'maxvCpus']`, `['sourceBuckets', 0]`. */
  readonly path: readonly (string | number)[];
  /** What was expected (the rule's text), e.g. `integer between 1 and 10`. */
  readonly expected: string;
  /** What was received, described: `"0"`, `0 of type number`, `a list`, `nothing`. */
  readonly received: string;
  /** A required value is absent. */
  readonly missing: boolean;
  /** Set for a key a strict object does not know (`path` ends with it): the known keys and the closest one. */
  readonly unknown?: { readonly known: readonly string[]; readonly suggestion: string | undefined };
}

/**
 * Checks `input` against `schema` and returns the parsed value (defaults applied), or throws the
 * error `toError` makes of the first problem (an unknown key first: it usually explains the rest).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  toError: (problem: Problem) => Error,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const issue = issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined)
    throw toError({ path: [], expected: 'a valid value', received: describe(input), missing: false });
  const path = issue.path.map((key) => (typeof key === 'number' ? key : String(key)));
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const known = knownKeys(schema, path);
    return throwProblem(toError, {
      path: [...path, key],
      expected: `one of ${known.join(', ')}`,
      received: `"${key}"`,
      missing: false,
      unknown: { known, suggestion: closestName(key, known) },
    });
  }
  const value = path.reduce<unknown>(
    (parent, key) =>
      typeof parent === 'object' && parent !== null ? (parent as Record<string, unknown>)[key] : undefined,
    input,
  );
  const received = (issue.code === 'custom' ? issue.params?.received : undefined) as string | undefined;
  return throwProblem(toError, {
    path,
    expected: issue.message,
    received: received ?? describe(value),
    missing: value === undefined && issue.code === 'invalid_type',
  });
}

/**
 * Checks one named value (a CLI flag, an option) with its rule and returns the parsed value.
 * @throws what `toError` makes of `Expected … for {name} but received …`
 */
export function checkValue<T>(
  name: string,
  rule: z.ZodType<T>,
  value: unknown,
  toError: (message: string) => Error = (message) => new InvalidInputError(message, { field: name }),
): T {
  return parseInput(z.object({ [name]: rule }), { [name]: value }, (problem) => toError(expectedMessage(problem)))[
    name
  ] as T;
}

function throwProblem(toError: (problem: Problem) => Error, problem: Problem): never {
  throw toError(problem);
}

/** Sharp's message shape: `Expected integer between 1 and 10 for jobAttempts but received 11 of type number`. */
export function expectedMessage(problem: Problem, field = dottedPath(problem.path)): string {
  return `Expected ${problem.expected} for ${field} but received ${problem.received}`;
}

/** `compute.maxvCpus`, `sourceBuckets[0]`. */
export function dottedPath(path: readonly (string | number)[]): string {
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

/** A value as messages show it: `"text"`, `7 of type number`, `a list`, `an object`, `null`, `nothing`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${String(value)} of type ${typeof value}`;
}

/** The keys of the object schema at `path` (through optional, default and piped wrappers). */
function knownKeys(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let node: unknown = schema;
  for (const key of [...path, undefined]) {
    for (;;) {
      if (node instanceof z.ZodPipe) node = node.in;
      else if (node instanceof z.ZodOptional || node instanceof z.ZodDefault || node instanceof z.ZodPrefault) {
        node = node.unwrap();
      } else break;
    }
    if (!(node instanceof z.ZodObject)) return [];
    if (key === undefined) return Object.keys(node.shape);
    node = node.shape[key];
  }
  return [];
}
