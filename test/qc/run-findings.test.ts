import { describe, expect, it } from 'vitest';
import type { ImageMeasurement } from '../../src/qc/measure-image.js';
import { type QcSubject, runFindings } from '../../src/qc/run-findings.js';

const measurement = (overrides: Partial<ImageMeasurement> = {}): ImageMeasurement => ({
  width: 192,
  height: 256,
  pixelHash: Math.random().toString(16).slice(2).padEnd(32, '0'),
  lumaMean: 180,
  lumaStdDev: 40,
  colourfulness: 1,
  ...overrides,
});

const page = (item: string, name: string, overrides: Partial<QcSubject> = {}): QcSubject => ({
  item,
  name,
  sourceKey: `src/${item}/${name}.tif`,
  width: 3000,
  height: 4000,
  measurement: measurement(),
  ...overrides,
});

const flagsByName = (subjects: QcSubject[]) =>
  Object.fromEntries(runFindings(subjects).map((image) => [image.name, image.findings.map((f) => f.flag)]));

describe('runFindings', () => {
  it('flags nothing in an item of like pages', () => {
    expect(runFindings([page('a', 'p1'), page('a', 'p2'), page('a', 'p3')])).toEqual([]);
  });

  it('flags both copies of a duplicate, across items, naming the other', () => {
    const hash = 'ab'.repeat(16);
    const found = runFindings([
      page('a', 'p1', { measurement: measurement({ pixelHash: hash }) }),
      page('a', 'p2'),
      page('b', 'p9', { measurement: measurement({ pixelHash: hash }) }),
    ]);
    expect(found.map((image) => [image.name, image.findings.map((f) => f.flag)])).toEqual([
      ['p1', ['duplicate']],
      ['p9', ['duplicate']],
    ]);
    expect(found[0]?.findings[0]?.message).toContain('src/b/p9.tif');
  });

  it('flags one landscape page among portraits, and nothing in an item of mixed orientations', () => {
    const rotated = page('a', 'p3', { width: 4000, height: 3000 });
    expect(flagsByName([page('a', 'p1'), page('a', 'p2'), rotated, page('a', 'p4')])).toEqual({
      p3: ['orientation'],
    });
    const mixed = [page('a', 'p1'), page('a', 'p2', { width: 4000, height: 3000 }), rotated, page('a', 'p4')];
    expect(flagsByName(mixed)).toEqual({});
  });

  it('needs three pages before anything is an outlier', () => {
    expect(runFindings([page('a', 'p1'), page('a', 'p2', { width: 4000, height: 3000 })])).toEqual([]);
  });

  it('flags a page of far another pixel size than the item median', () => {
    const small = page('a', 'p2', { width: 1500, height: 2000 });
    expect(flagsByName([page('a', 'p1'), small, page('a', 'p3'), page('a', 'p4')])).toEqual({
      p2: ['size-outlier'],
    });
    const slightlyLarger = page('a', 'p2', { width: 3300, height: 4400 });
    expect(flagsByName([page('a', 'p1'), slightlyLarger, page('a', 'p3')])).toEqual({});
  });

  it('flags a colour page among grey ones, not a grey page among colour ones', () => {
    const colour = page('a', 'p2', { measurement: measurement({ colourfulness: 25 }) });
    expect(flagsByName([page('a', 'p1'), colour, page('a', 'p3')])).toEqual({ p2: ['colour-outlier'] });
    const colourItem = ['p1', 'p3', 'p4'].map((name) =>
      page('b', name, { measurement: measurement({ colourfulness: 25 }) }),
    );
    expect(flagsByName([...colourItem, page('b', 'p2')])).toEqual({});
  });

  it("repeats each image's own flags and keeps images without a measurement in the comparisons", () => {
    const blank = page('a', 'p2', { measurement: measurement({ lumaStdDev: 0.5, lumaMean: 240 }) });
    const { measurement: _, ...unmeasured } = page('a', 'p3', { width: 4000, height: 3000 });
    expect(flagsByName([page('a', 'p1'), blank, unmeasured, page('a', 'p4')])).toEqual({
      p2: ['uniform'],
      p3: ['orientation'],
    });
  });
});
