import { describe, expect, it } from 'vitest';
import { EtagColumn } from '../../src/plan/etag-column.js';
import { JsonBytes } from '../../src/util/json-bytes.js';

const DIGEST = '0123456789abcdef0123456789abcdef';

describe('Class: EtagColumn', () => {
  it('gives back every ETag as it was listed, digests or not', () => {
    // Prepare
    const etags = [
      `"${DIGEST}"`,
      `"${DIGEST}-12"`,
      `"${DIGEST}-123456789"`,
      `"${DIGEST}-1234567890"`,
      `"${DIGEST}-0"`,
      `"${DIGEST}-01"`,
      `"${DIGEST}-"`,
      `"${DIGEST.toUpperCase()}"`,
      `"${DIGEST.slice(0, 31)}g"`,
      `${DIGEST}`,
      '1f2e-18c2a1b3d4e',
      '"e1"',
      '',
      'W/"weak"',
    ];
    const column = new EtagColumn();

    // Act
    for (const etag of etags) column.push(etag);
    const out = new JsonBytes().raw('[');
    etags.forEach((_, index) => {
      if (index > 0) out.raw(',');
      column.writeJson(index, out);
    });
    out.raw(']');

    // Assess
    expect(column.length).toBe(etags.length);
    expect(etags.map((_, index) => column.get(index))).toEqual(etags);
    expect(out.view().toString('utf8')).toBe(JSON.stringify(etags));
  });

  it('keeps digests in order while growing past its first allocation', () => {
    // Prepare
    const column = new EtagColumn();
    const etags = Array.from({ length: 3000 }, (_, index) => `"${index.toString(16).padStart(32, '0')}"`);

    // Act
    for (const etag of etags) column.push(etag);

    // Assess
    expect(column.get(0)).toBe(etags[0]);
    expect(column.get(2999)).toBe(etags[2999]);
  });
});
