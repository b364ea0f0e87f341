import { isDeepStrictEqual } from 'node:util';
import { describePublishedImage } from '../iiif/image-api/describe-published-image.js';
import type { Storage } from '../storage/storage.js';
import { checkService } from '../verify/check-service.js';
import type { PublishedMarker } from './published-marker.js';

/**
 * Whether the service a resume marker claims is still what it says: the service folder is listed
 * (about one LIST per thousand files) and its info.json read, then
 * - every file that info.json implies exists and is not empty (`checkService`, as `verify` checks), and
 * - that info.json describes the service the marker recorded (same size, tiles, sizes, `id`).
 *
 * A marker is written only after its service is complete, and withdrawn before the service is
 * published again; still, files can go afterwards (a lifecycle rule, a failed sync, two runs of one
 * collection from before leases). Skipping on a marker alone would leave such an image broken on
 * every rerun.
 *
 * @returns `undefined` when the marker can be trusted; else why not, for a warning
 */
export async function checkResumeMarker(
  storage: Storage,
  bucket: string,
  marker: PublishedMarker,
): Promise<string | undefined> {
  const serviceKey = marker.image.serviceKey;
  const listed = new Map<string, number>();
  for await (const object of storage.list(bucket, `${serviceKey}/`)) listed.set(object.key, object.size);
  const check = await checkService(storage, { bucket, serviceKey, listed });
  if (check.problems.length > 0) {
    const missing = check.problems.filter((problem) => problem.kind === 'missing').length;
    const first = check.problems[0];
    const what =
      missing === check.problems.length
        ? `${missing} file${missing === 1 ? '' : 's'} missing`
        : `${check.problems.length} files missing or bad`;
    return `${what} (${first?.key}: ${first?.reason})`;
  }
  const service = check.service;
  if (service === undefined) return 'its info.json could not be read';
  const described = describePublishedImage(service.pyramid, service.api, { key: serviceKey, id: service.id });
  if (!isDeepStrictEqual(described, marker.image)) {
    return (
      `its info.json describes another service than the one last published from this source ` +
      `(${described.width}x${described.height}, tiles of ${described.tiles[0]?.width}, Image API ${described.imageApiVersion}, ` +
      `id ${described.serviceId})`
    );
  }
  return undefined;
}
