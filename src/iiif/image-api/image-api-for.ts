import type { ImageApi } from './image-api.js';
import { imageApi2 } from './image-api-2.js';
import { imageApi3 } from './image-api-3.js';

/** The Image API strategy of a version (the task setting IMAGE_API_VERSION). */
export function imageApiFor(version: 2 | 3): ImageApi {
  return version === 3 ? imageApi3 : imageApi2;
}
