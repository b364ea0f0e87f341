import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { InvalidInputError } from '../../src/errors.js';
import { checkValue, expectedMessage, parseInput } from '../../src/validation/parse-input.js';
import {
  asBoolean,
  asNumber,
  baseUrl,
  bucketName,
  fromText,
  integer,
  keyPath,
  list,
  oneOf,
  singleName,
} from '../../src/validation/rules.js';

function message(rule: z.ZodType, value: unknown): string {
  try {
    checkValue('value', rule, value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe('Shared rules', () => {
  describe('integer', () => {
    it.each([1, 8192])('valid value %s passes', (value) => {
      // Act / Assess
      expect(checkValue('size', integer(1, 8192), value)).toBe(value);
    });

    it.each([
      [0, '0 of type number'],
      [8193, '8193 of type number'],
      [1.1, '1.1 of type number'],
      ['1', '"1"'],
    ])('invalid value %j fails', (value, received) => {
      // Act / Assess
      expect(message(integer(1, 8192), value)).toBe(
        `Expected integer between 1 and 8192 for value but received ${received}`,
      );
    });
  });

  describe('integer from text', () => {
    const rule = fromText(integer(64, 4096), asNumber);

    it.each([
      ['64', 64],
      ['4096', 4096],
      [' 512 ', 512],
    ])('valid text %j passes', (value, expected) => {
      // Act / Assess
      expect(checkValue('TILE_SIZE', rule, value)).toBe(expected);
    });

    it.each(['63', '4097', '256.5', '0x100', '1e3', 'big'])('invalid text %j fails, showing the text', (value) => {
      // Act / Assess
      expect(message(rule, value)).toBe(`Expected integer between 64 and 4096 for value but received "${value}"`);
    });
  });

  describe('oneOf and booleans from text', () => {
    it('reads numbers and words', () => {
      // Act / Assess
      expect(checkValue('v', fromText(oneOf([3, 2]), asNumber), '2')).toBe(2);
      expect(checkValue('v', fromText(z.boolean(), asBoolean), 'YES')).toBe(true);
      expect(checkValue('v', fromText(z.boolean(), asBoolean), '0')).toBe(false);
      expect(message(fromText(oneOf([3, 2]), asNumber), '2.1')).toBe(
        'Expected one of 3, 2 for value but received "2.1"',
      );
    });
  });

  describe('bucketName', () => {
    it.each(['abc', 'a'.repeat(63), 'img-src', 'my.bucket.1', '123'])('valid name %s passes', (name) => {
      // Act / Assess
      expect(checkValue('bucket', bucketName, name)).toBe(name);
    });

    it.each(['ab', 'a'.repeat(64), 'Img_Src', 'bucket..name', '-bucket', 'bucket-', '192.168.5.4'])(
      'invalid name %s fails',
      (name) => {
        // Act / Assess
        expect(message(bucketName, name)).toBe(`Expected an S3 bucket name for value but received "${name}"`);
      },
    );
  });

  describe('keyPath', () => {
    it.each([
      ['a', 'a'],
      ['/a/b/', 'a/b'],
      ['a b/c.d', 'a b/c.d'],
    ])('valid path %j passes as %j', (value, expected) => {
      // Act / Assess
      expect(checkValue('prefix', keyPath, value)).toBe(expected);
    });

    it.each(['a//b', 'a/../b', './a', 'a\\b', 'a\u0001b'])('invalid path %j fails', (value) => {
      // Act / Assess
      expect(message(keyPath, value)).toContain('Expected a relative path of folder names separated by "/"');
    });

    it('rejects a path of slashes only', () => {
      // Act / Assess
      expect(message(keyPath, '//')).toBe('Expected a path such as "a/b" for value but received "//"');
    });
  });

  describe('singleName', () => {
    it.each(['Box2', 'a.csv', '...'])('valid name %j passes', (value) => {
      // Act / Assess
      expect(checkValue('name', singleName, value)).toBe(value);
    });

    it.each(['a/b', 'a\\b', '.', '..'])('invalid name %j fails', (value) => {
      // Act / Assess
      expect(message(singleName, value)).toContain('Expected a single name');
    });
  });

  describe('baseUrl', () => {
    it.each([
      ['https://iiif.example.org', 'https://iiif.example.org'],
      ['http://127.0.0.1:8080/base/', 'http://127.0.0.1:8080/base'],
    ])('valid URL %s passes as %s', (value, expected) => {
      // Act / Assess
      expect(checkValue('url', baseUrl, value)).toBe(expected);
    });

    it.each([
      ['iiif.example.org', 'an absolute http(s) URL such as https://iiif.example.org'],
      ['ftp://example.org', 'an absolute http(s) URL'],
      ['https://example.org/?a=1', 'a base URL without a query or fragment (no "?" or "#", not even an empty one)'],
      ['https://example.org/?', 'a base URL without a query or fragment (no "?" or "#", not even an empty one)'],
      ['https://example.org/#', 'a base URL without a query or fragment (no "?" or "#", not even an empty one)'],
      ['https://user:secret@example.org', 'a base URL without query, fragment or credentials'],
    ])('invalid URL %s fails', (value, expected) => {
      // Act / Assess
      expect(message(baseUrl, value)).toContain(`Expected ${expected} for value`);
    });
  });

  describe('list', () => {
    it('names the entry at fault and refuses duplicates', () => {
      // Act / Assess
      expect(message(list(bucketName, 'an S3 bucket name'), ['ok-bucket', 'Bad'])).toBe(
        'Expected an S3 bucket name for value[1] but received "Bad"',
      );
      expect(message(list(bucketName, 'an S3 bucket name'), ['a-b', 'a-b'])).toBe(
        'Expected a list without duplicates for value but received "a-b" twice',
      );
    });
  });
});

describe('Function: parseInput', () => {
  it('reports an unknown key before any other problem, with the known keys and the closest one', () => {
    // Prepare
    const schema = z.strictObject({ outer: z.strictObject({ maxvCpus: integer(1, 10) }) });

    // Act
    const act = () =>
      parseInput(schema, { outer: { maxVcpus: 4 } }, (problem) => {
        expect(problem.path).toEqual(['outer', 'maxVcpus']);
        expect(problem.unknown).toEqual({ known: ['maxvCpus'], suggestion: 'maxvCpus' });
        return new Error('unknown');
      });

    // Assess
    expect(act).toThrow('unknown');
  });

  it('marks an absent required value as missing and says what was received otherwise', () => {
    // Prepare
    const schema = z.object({ name: z.string({ error: 'a name' }) });
    const problemOf = (input: unknown) => {
      try {
        parseInput(schema, input, (problem) => Object.assign(new Error('x'), { problem }));
      } catch (error) {
        return (error as { problem: Parameters<typeof expectedMessage>[0] }).problem;
      }
      throw new Error('expected a problem');
    };

    // Act
    const missing = problemOf({});
    const wrong = problemOf({ name: [] });

    // Assess
    expect(missing).toMatchObject({ missing: true, received: 'nothing' });
    expect(expectedMessage(wrong)).toBe('Expected a name for name but received a list');
  });
});
