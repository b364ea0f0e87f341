import { describe, expect, it } from 'vitest';
import { chooseThumbnail, THUMBNAIL_TARGET } from '../../../src/iiif/presentation/thumbnail.js';
import type { PublishedImage } from '../../../src/run/image-result.js';
import { publishedImage } from './helpers/published-image.js';

describe('chooseThumbnail', () => {
  it.each([
    { width: 3497, height: 2501 },
    { width: 2400, height: 3200 },
    { width: 640, height: 480 },
    { width: 20000, height: 300 },
  ])('picks the smallest published size reaching the target for $width×$height', ({ width, height }) => {
    // Prepare
    const image = publishedImage({ serviceId: 'https://x.example/c/i/p', width, height });

    // Act
    const thumbnail = chooseThumbnail(image);

    // Assess
    const size = { width: thumbnail.width, height: thumbnail.height };
    expect(image.sizes).toContainEqual(size);
    expect(Math.max(size.width ?? 0, size.height ?? 0)).toBeGreaterThanOrEqual(THUMBNAIL_TARGET);
    const smaller = image.sizes.filter((candidate) => candidate.width < (size.width ?? 0));
    for (const candidate of smaller) {
      expect(Math.max(candidate.width, candidate.height)).toBeLessThan(THUMBNAIL_TARGET);
    }
    expect(thumbnail.id).toBe(`${image.serviceId}/full/${size.width},${size.height}/0/default.jpg`);
    expect(thumbnail.format).toBe('image/jpeg');
  });

  it('takes the largest size of an image smaller than the target', () => {
    // Prepare
    const image = publishedImage({ serviceId: 'https://x.example/c/i/tiny', width: 120, height: 90 });

    // Act
    const thumbnail = chooseThumbnail(image);

    // Assess
    expect(thumbnail).toMatchObject({ width: 120, height: 90 });
    expect(thumbnail.id).toBe('https://x.example/c/i/tiny/full/120,90/0/default.jpg');
  });

  it('names sizes the Image API 2.1 way (w,) for a 2.1 service', () => {
    // Prepare
    const image = publishedImage({ serviceId: 'https://x.example/c/i/p', width: 1600, height: 1200, version: 2 });

    // Act
    const thumbnail = chooseThumbnail(image);

    // Assess
    expect(thumbnail.id).toBe('https://x.example/c/i/p/full/400,/0/default.jpg');
  });

  it('falls back to the full file when the service lists no sizes', () => {
    // Prepare
    const image: PublishedImage = {
      ...publishedImage({ serviceId: 'https://x.example/c/i/p', width: 700, height: 500 }),
      sizes: [],
    };

    // Act
    const thumbnail = chooseThumbnail(image);

    // Assess
    expect(thumbnail).toEqual({
      id: 'https://x.example/c/i/p/full/max/0/default.jpg',
      width: 700,
      height: 500,
      format: 'image/jpeg',
    });
  });
});
