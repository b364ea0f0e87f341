import { describe, expect, it } from 'vitest';
import { computePyramid } from '../../../src/iiif/image-api/compute-pyramid.js';
import { describePublishedImage } from '../../../src/iiif/image-api/describe-published-image.js';
import { imageApiFor } from '../../../src/iiif/image-api/image-api-for.js';
import { fullImagePath, sizeImagePath } from '../../../src/iiif/image-paths.js';

const ID = 'https://iiif.example.org/iawa/Ms2016_012/Box2_Folder19/page_001';

describe('Image API strategies: info.json', () => {
  it('writes a 3.0 level-0 document with tiles.height, scale factors and ascending sizes', () => {
    // Prepare
    const pyramid = computePyramid({ width: 3497, height: 2501, tileSize: 512, fullMaxSize: 10000 });

    // Act
    const info = imageApiFor(3).infoJson(pyramid, ID);

    // Assess
    expect(info).toEqual({
      '@context': 'http://iiif.io/api/image/3/context.json',
      id: ID,
      type: 'ImageService3',
      protocol: 'http://iiif.io/api/image',
      profile: 'level0',
      width: 3497,
      height: 2501,
      sizes: [
        { width: 438, height: 313 },
        { width: 875, height: 626 },
        { width: 1749, height: 1251 },
        { width: 3497, height: 2501 },
      ],
      tiles: [{ width: 512, height: 512, scaleFactors: [1, 2, 4, 8] }],
    });
  });

  it('states maxWidth and maxHeight in 3.0 when full/max is capped', () => {
    // Prepare
    const pyramid = computePyramid({ width: 30011, height: 20003, tileSize: 512, fullMaxSize: 10000 });

    // Act
    const info = imageApiFor(3).infoJson(pyramid, ID);

    // Assess
    expect(info).toMatchObject({ width: 30011, height: 20003, maxWidth: 7503, maxHeight: 5001 });
    expect(info.sizes.at(-1)).toEqual({ width: 7503, height: 5001 });
    expect(info.tiles[0]?.scaleFactors).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });

  it('writes a 2.1 level-0 document with the profile description', () => {
    // Prepare
    const pyramid = computePyramid({ width: 100, height: 3000, tileSize: 512, fullMaxSize: 10000 });

    // Act
    const info = imageApiFor(2).infoJson(pyramid, ID);

    // Assess
    expect(info).toEqual({
      '@context': 'http://iiif.io/api/image/2/context.json',
      '@id': ID,
      protocol: 'http://iiif.io/api/image',
      width: 100,
      height: 3000,
      profile: ['http://iiif.io/api/image/2/level0.json', { formats: ['jpg'], qualities: ['default'] }],
      sizes: [
        { width: 13, height: 375 },
        { width: 25, height: 750 },
        { width: 50, height: 1500 },
        { width: 100, height: 3000 },
      ],
      tiles: [{ width: 512, height: 512, scaleFactors: [1, 2, 4, 8] }],
    });
  });

  it('puts maxWidth and maxHeight into the 2.1 profile description when capped', () => {
    // Prepare
    const pyramid = computePyramid({ width: 20000, height: 12000, tileSize: 512, fullMaxSize: 10000 });

    // Act
    const info = imageApiFor(2).infoJson(pyramid, ID);

    // Assess
    expect(info.profile[1]).toEqual({ formats: ['jpg'], qualities: ['default'], maxWidth: 10000, maxHeight: 6000 });
    expect(info).not.toHaveProperty('maxWidth');
  });

  for (const version of [3, 2] as const) {
    it(`names whole-image files through the shared image paths (v${version})`, () => {
      // Prepare
      const api = imageApiFor(version);

      // Act
      const [full] = api.fullPaths();
      const size = api.sizePath({ width: 875, height: 626 });

      // Assess
      expect(full).toBe(fullImagePath(version));
      expect(size).toBe(sizeImagePath(version, { width: 875, height: 626 }));
      expect(api.infoContentType).toBe(
        `application/ld+json;profile="http://iiif.io/api/image/${version}/context.json"`,
      );
    });
  }

  it('describes a published image for manifests from the pyramid alone', () => {
    // Prepare
    const pyramid = computePyramid({ width: 30011, height: 20003, tileSize: 512, fullMaxSize: 10000 });

    // Act
    const image = describePublishedImage(pyramid, imageApiFor(3), { key: 'p/c/i/n', id: 'https://x.example/p/c/i/n' });

    // Assess
    expect(image).toEqual({
      serviceKey: 'p/c/i/n',
      serviceId: 'https://x.example/p/c/i/n',
      imageApiVersion: 3,
      width: 30011,
      height: 20003,
      sizes: pyramid.sizes,
      tiles: [{ width: 512, height: 512, scaleFactors: [1, 2, 4, 8, 16, 32, 64] }],
      full: { width: 7503, height: 5001 },
      maxWidth: 7503,
      maxHeight: 5001,
      format: 'image/jpeg',
    });
  });
});

describe('Image API strategies: tile names', () => {
  it('uses w,h sizes and full/max in 3.0', () => {
    // Prepare
    const api = imageApiFor(3);
    const pyramid = computePyramid({ width: 3497, height: 2501, tileSize: 512, fullMaxSize: 10000 });
    const small = computePyramid({ width: 300, height: 200, tileSize: 512, fullMaxSize: 10000 });

    // Act
    const first = api.tilePaths(pyramid, { level: 0, column: 0, row: 0 });
    const corner = api.tilePaths(pyramid, { level: 1, column: 3, row: 2 });
    const top = api.tilePaths(pyramid, { level: 3, column: 0, row: 0 });
    const whole = api.tilePaths(small, { level: 0, column: 0, row: 0 });

    // Assess
    expect(first).toEqual(['0,0,512,512/512,512/0/default.jpg']);
    expect(corner).toEqual(['3072,2048,425,453/213,227/0/default.jpg']);
    expect(top).toEqual(['full/438,313/0/default.jpg']);
    expect(whole).toEqual(['full/max/0/default.jpg']);
  });

  it('uses w, sizes in 2.1, and also the full and max size names OpenSeadragon asks for on narrow images', () => {
    // Prepare
    const api = imageApiFor(2);
    const narrow = computePyramid({ width: 100, height: 3000, tileSize: 512, fullMaxSize: 10000 });

    // Act
    const fullResolution = api.tilePaths(narrow, { level: 0, column: 0, row: 1 });
    const reduced = api.tilePaths(narrow, { level: 1, column: 0, row: 1 });

    // Assess
    expect(fullResolution).toEqual([
      '0,512,100,512/100,/0/default.jpg',
      '0,512,100,512/full/0/default.jpg',
      '0,512,100,512/max/0/default.jpg',
    ]);
    expect(reduced).toEqual(['0,1024,100,1024/50,/0/default.jpg']);
  });
});
