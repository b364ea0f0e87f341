import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { computePyramid } from '../../../src/iiif/image-api/compute-pyramid.js';
import { IMAGE_SHAPES } from './helpers/image-shapes.js';

describe('Function: computePyramid', () => {
  it('lists every power of two from 1 up to the level where the whole image fits one tile', () => {
    // Act
    const pyramid = computePyramid({ width: 3497, height: 2501, tileSize: 512, fullMaxSize: 10000 });

    // Assess
    expect(pyramid.levels.map((level) => level.scaleFactor)).toEqual([1, 2, 4, 8]);
    expect(pyramid.levels.map((level) => [level.width, level.height])).toEqual([
      [3497, 2501],
      [1749, 1251],
      [875, 626],
      [438, 313],
    ]);
    expect(pyramid.levels.map((level) => [level.columns, level.rows])).toEqual([
      [7, 5],
      [4, 3],
      [2, 2],
      [1, 1],
    ]);
  });

  it('gives ascending sizes, each ceil(W/2^k) x ceil(H/2^k), ending with the full size', () => {
    // Act
    const pyramid = computePyramid({ width: 3497, height: 2501, tileSize: 512, fullMaxSize: 10000 });

    // Assess
    expect(pyramid.sizes).toEqual([
      { width: 438, height: 313 },
      { width: 875, height: 626 },
      { width: 1749, height: 1251 },
      { width: 3497, height: 2501 },
    ]);
    expect(pyramid.full).toEqual({ width: 3497, height: 2501 });
    expect(pyramid.capped).toBe(false);
  });

  for (const shape of IMAGE_SHAPES) {
    it(`keeps its invariants for ${shape.label} ${shape.width}x${shape.height}`, () => {
      // Act
      const pyramid = computePyramid({ width: shape.width, height: shape.height, tileSize: 512, fullMaxSize: 10000 });

      // Assess
      const top = pyramid.levels.at(-1);
      expect(top?.columns).toBe(1);
      expect(top?.rows).toBe(1);
      for (const level of pyramid.levels.slice(0, -1)) expect(level.columns * level.rows).toBeGreaterThan(1);
      pyramid.levels.forEach((level, k) => {
        expect(level.scaleFactor).toBe(2 ** k);
        expect(level.width).toBe(Math.ceil(shape.width / 2 ** k));
        expect(level.height).toBe(Math.ceil(shape.height / 2 ** k));
      });
      expect(Math.max(pyramid.full.width, pyramid.full.height)).toBeLessThanOrEqual(10000);
      for (const size of pyramid.sizes) {
        expect(size.width).toBeLessThanOrEqual(pyramid.full.width);
        expect(size.height).toBeLessThanOrEqual(pyramid.full.height);
      }
      const widths = pyramid.sizes.map((size) => size.width);
      expect(widths).toEqual([...widths].sort((a, b) => a - b));
      expect(pyramid.sizes.at(-1)).toEqual(pyramid.full);
    });
  }

  it('caps full/max at the first level within the cap, consistently with sizes', () => {
    // Act
    const pyramid = computePyramid({ width: 30011, height: 20003, tileSize: 512, fullMaxSize: 10000 });

    // Assess
    expect(pyramid.capped).toBe(true);
    expect(pyramid.fullLevel.scaleFactor).toBe(4);
    expect(pyramid.full).toEqual({ width: 7503, height: 5001 });
    expect(pyramid.sizes.at(-1)).toEqual({ width: 7503, height: 5001 });
    expect(pyramid.levels[0]?.width).toBe(30011);
  });

  it('is not capped when the longest side equals the cap', () => {
    // Act
    const pyramid = computePyramid({ width: 10000, height: 4000, tileSize: 512, fullMaxSize: 10000 });

    // Assess
    expect(pyramid.capped).toBe(false);
    expect(pyramid.full).toEqual({ width: 10000, height: 4000 });
  });

  it('raises a cap below the tile size to the tile size', () => {
    // Act
    const pyramid = computePyramid({ width: 3000, height: 3000, tileSize: 1024, fullMaxSize: 256 });

    // Assess
    expect(pyramid.full).toEqual({ width: 750, height: 750 });
    expect(pyramid.sizes).toEqual([{ width: 750, height: 750 }]);
  });

  it('has one level for an image smaller than a tile', () => {
    // Act
    const pyramid = computePyramid({ width: 300, height: 200, tileSize: 512, fullMaxSize: 10000 });

    // Assess
    expect(pyramid.levels).toHaveLength(1);
    expect(pyramid.sizes).toEqual([{ width: 300, height: 200 }]);
  });

  describe('validates its options', () => {
    const valid = { width: 100, height: 100, tileSize: 512, fullMaxSize: 10000 };
    const passes: [string, number][] = [
      ['width', 1],
      ['width', 10_000_000],
      ['tileSize', 1],
      ['tileSize', 8192],
      ['fullMaxSize', 1],
      ['fullMaxSize', 65535],
    ];
    for (const [name, value] of passes) {
      it(`accepts ${name} ${value}`, () => {
        // Act
        const pyramid = computePyramid({ ...valid, [name]: value });

        // Assess
        expect(pyramid.levels.length).toBeGreaterThan(0);
      });
    }
    const fails: [string, unknown, string][] = [
      ['width', 0, 'Expected integer between 1 and 10000000 for width but received 0 of type number'],
      ['height', 1.5, 'Expected integer between 1 and 10000000 for height but received 1.5 of type number'],
      ['tileSize', 0, 'Expected integer between 1 and 8192 for tileSize but received 0 of type number'],
      ['tileSize', 8193, 'Expected integer between 1 and 8192 for tileSize but received 8193 of type number'],
      ['tileSize', '512', 'Expected integer between 1 and 8192 for tileSize but received 512 of type string'],
      ['fullMaxSize', 65536, 'Expected integer between 1 and 65535 for fullMaxSize but received 65536 of type number'],
    ];
    for (const [name, value, message] of fails) {
      it(`rejects ${name} ${String(value)} (${typeof value})`, () => {
        // Act
        const act = () => computePyramid({ ...valid, [name]: value });

        // Assess
        expect(act).toThrow(InvalidInputError);
        expect(act).toThrow(message);
      });
    }
  });
});
