import { describe, expect, it } from 'vitest';
import { computePyramid } from '../../src/iiif/image-api/compute-pyramid.js';
import { imageApiFor } from '../../src/iiif/image-api/image-api-for.js';
import { listTileSet } from '../../src/iiif/image-api/list-tile-set.js';
import { DEFAULT_COST_RATES } from '../../src/plan/cost-rates.js';
import { type EstimatedImage, type EstimateOptions, estimateRun } from '../../src/plan/estimate-run.js';
import { DEFAULT_SETTINGS } from '../../src/task/settings.js';

const image = (overrides: Partial<EstimatedImage> = {}): EstimatedImage => ({
  format: 'jpeg',
  bytes: 1_000_000,
  ...overrides,
});

const options = (overrides: Partial<EstimateOptions> = {}): EstimateOptions => ({
  settings: DEFAULT_SETTINGS,
  listedObjects: 3,
  items: 1,
  shards: 1,
  serviceIdLength: 60,
  views: 1000,
  workerVcpus: 2,
  workerMemoryGib: 4,
  submitterMemoryGib: 1,
  rates: DEFAULT_COST_RATES,
  ...overrides,
});

const filesOf = (width: number, height: number): number =>
  listTileSet(computePyramid({ width, height, tileSize: 512, fullMaxSize: 10_000 }), imageApiFor(3)).reduce(
    (sum, entry) => sum + entry.paths.length,
    0,
  );

describe('estimateRun', () => {
  it('counts exactly the files the tiler writes for images whose size was read, plus info.json and manifests', () => {
    const images = [image({ size: { width: 3000, height: 4000 } }), image({ size: { width: 700, height: 500 } })];
    const estimate = estimateRun(images, options());
    expect(estimate.sizesRead).toBe(2);
    expect(estimate.megapixels).toBeCloseTo(12.35, 2);
    // Every tile, sizes and full file; info.json each; one manifest; the collection.
    expect(estimate.published.objects).toBe(filesOf(3000, 4000) + filesOf(700, 500) + 2 + 1 + 1);
    expect(estimate.published.tilesPerLevel[0]).toBe(6 * 8 + 2);
    expect(estimate.requests.put).toBeGreaterThan(estimate.published.objects);
  });

  it("estimates an unread image's size from its bytes with the pixels per byte of the images read", () => {
    const images = [image({ bytes: 2_000_000, size: { width: 3000, height: 4000 } }), image({ bytes: 4_000_000 })];
    const estimate = estimateRun(images, options());
    // b has twice a's bytes: about twice its pixels, with a's aspect.
    expect(estimate.megapixels).toBeGreaterThan(35);
    expect(estimate.megapixels).toBeLessThan(37);
  });

  it('prices the run at the given rates, and egress for the views asked', () => {
    const images = [image({ size: { width: 3000, height: 4000 } })];
    const base = estimateRun(images, options());
    const doubled = estimateRun(images, options({ views: 2000, rates: { ...DEFAULT_COST_RATES, s3PutPer1000: 0.01 } }));
    expect(doubled.cost.egress).toBeCloseTo(base.cost.egress * 2, 10);
    expect(doubled.cost.s3Put).toBeCloseTo(base.cost.s3Put * 2, 10);
    expect(base.cost.total).toBeCloseTo(
      base.cost.s3Put +
        base.cost.s3Get +
        base.cost.s3StoragePerMonth +
        base.cost.fargateSpot +
        base.cost.lambda +
        base.cost.egress,
      10,
    );
    expect(estimateRun(images, options({ views: 0 })).cost.egress).toBe(0);
  });
});
