import { describe, expect, it } from 'vitest';
import { contentTypeFor } from '../../src/preview/content-type.js';

describe('Function: contentTypeFor', () => {
  it.each([
    ['a/b/info.json', 'application/ld+json; charset=utf-8'],
    ['demo/Box1/Folder01/manifest.json', 'application/ld+json; charset=utf-8'],
    ['demo/Box1/collection.json', 'application/ld+json; charset=utf-8'],
    ['runs/r1/plan.json', 'application/json; charset=utf-8'],
    ['x/0,0,512,512/512,/0/default.jpg', 'image/jpeg'],
    ['x/full/max/0/default.JPG', 'image/jpeg'],
    ['page/preview.js', 'text/javascript; charset=utf-8'],
    ['page/preview.css', 'text/css; charset=utf-8'],
    ['page/index.html', 'text/html; charset=utf-8'],
    ['button_rest.png', 'image/png'],
    ['scan.tif', 'image/tiff'],
    ['vips-properties.xml', 'application/xml; charset=utf-8'],
    ['README', 'application/octet-stream'],
    ['archive.bin', 'application/octet-stream'],
  ])('gives %s the type %s', (path, expected) => {
    // Act
    const type = contentTypeFor(path);

    // Assess
    expect(type).toBe(expected);
  });
});
