import sharp, { type Sharp } from 'sharp';

/**
 * A photograph-like test image of any size: grey with gaussian noise (different on every call), so
 * encoding and tiling do realistic work. Encode it as the test needs: `(await photo(w, h)).jpeg()`.
 */
export async function photo(width: number, height: number): Promise<Sharp> {
  const noise = await sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .png()
    .toBuffer();
  return sharp(noise);
}
