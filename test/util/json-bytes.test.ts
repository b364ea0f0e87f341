import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../../src/util/json-bytes.js';

const AWKWARD = [
  'plain',
  '',
  'quote " and \\ backslash',
  'controls \b\t\n\f\r \u0000 \u001f \u007f',
  'accents é ü and emoji 😀',
  'lone surrogate \ud800 here',
  'line separators \u2028 \u2029',
];

describe('Class: JsonBytes', () => {
  it('writes strings, numbers and values as JSON.stringify does', () => {
    // Prepare
    const out = new JsonBytes(8);
    const value = { a: [1, 'two', null], b: undefined, c: { d: true } };

    // Act
    out.raw('[');
    for (const text of AWKWARD) out.string(text).raw(',');
    out.number(12.5).raw(',').number(Number.NaN).raw(',').value(value).raw(',').value(undefined).raw(']');

    // Assess
    expect(out.view().toString('utf8')).toBe(JSON.stringify([...AWKWARD, 12.5, Number.NaN, value, undefined]));
  });

  it('writes UTF-8 bytes as a JSON string with a suffix, and bytes as hexadecimal digits', () => {
    // Prepare
    const out = new JsonBytes(4);
    const awkward = AWKWARD.filter((text) => !text.includes('\ud800'));

    // Act
    out.raw('[');
    for (const text of awkward) {
      const bytes = Buffer.from(`xx${text}yy`);
      out.utf8(bytes, 2, bytes.length - 2, '_p2').raw(',');
    }
    out
      .raw('"')
      .hex(Uint8Array.from([0, 9, 10, 255]), 1, 4)
      .raw('"]');

    // Assess
    expect(JSON.parse(out.view().toString('utf8'))).toEqual([...awkward.map((text) => `${text}_p2`), '090aff']);
    expect(out.view().toString('utf8')).toBe(JSON.stringify([...awkward.map((text) => `${text}_p2`), '090aff']));
  });

  it('starts again in the same buffer after a reset', () => {
    // Prepare
    const out = new JsonBytes(16);
    out.string('x'.repeat(100));

    // Act
    out.reset().value({ a: 1 });

    // Assess
    expect(out.view().toString('utf8')).toBe('{"a":1}');
  });
});
