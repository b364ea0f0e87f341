import { imageFindings } from './image-flags.js';
import type { QcFinding } from './image-qc.js';
import type { ImageMeasurement } from './measure-image.js';

/** One published image as the run-wide checks see it. */
export interface QcSubject {
  readonly item: string;
  readonly name: string;
  readonly sourceKey: string;
  /** Displayed size of the published image. */
  readonly width: number;
  readonly height: number;
  /** Absent for images published before QC was measured. */
  readonly measurement?: ImageMeasurement;
}

/** An image with at least one QC flag. */
export interface FlaggedImage {
  readonly item: string;
  readonly name: string;
  readonly sourceKey: string;
  readonly findings: readonly QcFinding[];
}

/** Outlier checks need this many images in the item: with two, neither is the odd one out. */
export const OUTLIER_MIN_IMAGES = 3;
/**
 * The share of an item's images that must agree (orientation, grey) before the others are
 * outliers: two thirds, so one rotated page in three is flagged, a book of half foldouts is not.
 */
export const OUTLIER_MAJORITY = 2 / 3;
/** Landscape when width ≥ 1.1 × height (portrait the other way); squarer pages have no orientation. */
export const ORIENTATION_RATIO = 1.1;
/**
 * Pixel area this many times the item's median (or below its inverse) is an outlier: a page
 * scanned at another resolution changes the area by ≥ 2.25 (300 vs 200 dpi), normal cropping
 * differences by well under 1.5.
 */
export const SIZE_OUTLIER_RATIO = 2;
/**
 * Colourfulness (mean max−min channel spread) at or below this is grey: greyscale scans saved as
 * RGB JPEG measure 0–1.5 after the round trip; at or above `COLOUR_MIN` colour: faded colour
 * photographs of the example collection measure ≥ 15, a colour scan of a yellowed page ~10.
 */
export const GREY_MAX = 3;
export const COLOUR_MIN = 8;

/**
 * Every QC finding of a run: each image's own flags (uniform, edge band) and those that compare
 * images: exact duplicates anywhere in the run (same pixel hash of the small level), and outliers
 * within an item (orientation, pixel size, a colour page among grey ones). Pure: the assembler
 * calls it on the stored results of every shard, so duplicates across shards are found.
 */
export function runFindings(subjects: readonly QcSubject[]): FlaggedImage[] {
  const findings = new Map<QcSubject, QcFinding[]>();
  const add = (subject: QcSubject, finding: QcFinding): void => {
    const list = findings.get(subject) ?? [];
    list.push(finding);
    findings.set(subject, list);
  };
  for (const subject of subjects) {
    if (subject.measurement !== undefined)
      for (const finding of imageFindings(subject.measurement)) add(subject, finding);
  }

  const byHash = new Map<string, QcSubject[]>();
  for (const subject of subjects) {
    const hash = subject.measurement?.pixelHash;
    if (hash === undefined) continue;
    const group = byHash.get(hash) ?? [];
    group.push(subject);
    byHash.set(hash, group);
  }
  for (const group of byHash.values()) {
    if (group.length < 2) continue;
    for (const subject of group) {
      const others = group.filter((other) => other !== subject).map((other) => other.sourceKey);
      const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ` and ${others.length - 3} more` : '');
      add(subject, { flag: 'duplicate', message: `same pixels as ${shown}` });
    }
  }

  const byItem = new Map<string, QcSubject[]>();
  for (const subject of subjects) {
    const list = byItem.get(subject.item) ?? [];
    list.push(subject);
    byItem.set(subject.item, list);
  }
  for (const images of byItem.values()) {
    if (images.length < OUTLIER_MIN_IMAGES) continue;
    orientationOutliers(images, add);
    sizeOutliers(images, add);
    colourOutliers(images, add);
  }

  return subjects
    .filter((subject) => findings.has(subject))
    .map((subject) => ({
      item: subject.item,
      name: subject.name,
      sourceKey: subject.sourceKey,
      findings: findings.get(subject) ?? [],
    }));
}

type Add = (subject: QcSubject, finding: QcFinding) => void;

function orientationOf(subject: QcSubject): 'landscape' | 'portrait' | 'square' {
  if (subject.width >= subject.height * ORIENTATION_RATIO) return 'landscape';
  if (subject.height >= subject.width * ORIENTATION_RATIO) return 'portrait';
  return 'square';
}

function orientationOutliers(images: readonly QcSubject[], add: Add): void {
  for (const [majority, minority] of [
    ['portrait', 'landscape'],
    ['landscape', 'portrait'],
  ] as const) {
    const agreeing = images.filter((image) => orientationOf(image) === majority).length;
    if (agreeing < images.length * OUTLIER_MAJORITY) continue;
    for (const image of images) {
      if (orientationOf(image) !== minority) continue;
      add(image, {
        flag: 'orientation',
        message: `${minority} (${image.width}×${image.height}) among ${agreeing} ${majority} pages of the item: rotated?`,
      });
    }
  }
}

function sizeOutliers(images: readonly QcSubject[], add: Add): void {
  const areas = images.map((image) => image.width * image.height).sort((a, b) => a - b);
  const middle = Math.floor(areas.length / 2);
  const median = areas.length % 2 === 1 ? (areas[middle] ?? 0) : ((areas[middle - 1] ?? 0) + (areas[middle] ?? 0)) / 2;
  if (median === 0) return;
  for (const image of images) {
    const ratio = (image.width * image.height) / median;
    if (ratio < SIZE_OUTLIER_RATIO && ratio > 1 / SIZE_OUTLIER_RATIO) continue;
    add(image, {
      flag: 'size-outlier',
      message: `${image.width}×${image.height} px is ${ratio >= 1 ? `${round1(ratio)}×` : `1/${round1(1 / ratio)} of`} the item's median pixel area: another resolution or crop?`,
    });
  }
}

function colourOutliers(images: readonly QcSubject[], add: Add): void {
  const measured = images.filter((image) => image.measurement !== undefined);
  if (measured.length < OUTLIER_MIN_IMAGES) return;
  const grey = measured.filter((image) => (image.measurement?.colourfulness ?? 0) <= GREY_MAX).length;
  if (grey < measured.length * OUTLIER_MAJORITY) return;
  for (const image of measured) {
    const colourfulness = image.measurement?.colourfulness ?? 0;
    if (colourfulness < COLOUR_MIN) continue;
    add(image, {
      flag: 'colour-outlier',
      message: `a colour page (colourfulness ${colourfulness}) among ${grey} grey pages of the item`,
    });
  }
}

function round1(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}
