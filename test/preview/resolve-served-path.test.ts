import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServedPath } from '../../src/preview/resolve-served-path.js';

const root = resolve('/srv/published');

describe('Function: resolveServedPath', () => {
  it('maps a request path to a file under the root, decoding each segment', () => {
    // Act
    const result = resolveServedPath(root, '/demo/Box%201/caf%C3%A9/info.json');

    // Assess
    expect(result).toEqual({
      ok: true,
      path: join(root, 'demo', 'Box 1', 'café', 'info.json'),
      segments: ['demo', 'Box 1', 'café', 'info.json'],
    });
  });

  it('maps / and empty segments to the root itself', () => {
    // Act
    const top = resolveServedPath(root, '/');
    const doubled = resolveServedPath(root, '//demo//a/');

    // Assess
    expect(top).toEqual({ ok: true, path: root, segments: [] });
    expect(doubled).toMatchObject({ ok: true, path: join(root, 'demo', 'a') });
  });

  it('keeps IIIF tile names with commas intact', () => {
    // Act
    const result = resolveServedPath(root, '/img/0,512,512,488/256,/0/default.jpg');

    // Assess
    expect(result).toMatchObject({ ok: true, path: join(root, 'img', '0,512,512,488', '256,', '0', 'default.jpg') });
  });

  it.each([
    ['/../etc/passwd'],
    ['/demo/../../etc/passwd'],
    ['/%2e%2e/etc/passwd'],
    ['/%2E%2E/%2E%2E/etc/passwd'],
    ['/demo/%2F..%2F..%2Fetc'],
    ['/..%5C..%5Cetc'],
    ['/demo/%00/info.json'],
    ['/./info.json'],
  ])('refuses %s with 403', (urlPath) => {
    // Act
    const result = resolveServedPath(root, urlPath);

    // Assess
    expect(result).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses malformed percent-encoding with 400 and names the segment', () => {
    // Act
    const result = resolveServedPath(root, '/demo/%E0%A4%A/info.json');

    // Assess
    expect(result).toEqual({ ok: false, status: 400, reason: 'malformed percent-encoding in "%E0%A4%A"' });
  });

  it('refuses a path that does not start with a slash', () => {
    // Act
    const result = resolveServedPath(root, 'demo/info.json');

    // Assess
    expect(result).toMatchObject({ ok: false, status: 400 });
  });
});
