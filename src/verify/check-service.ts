import { errorMessage } from '../errors.js';
import { readServiceInfo, type ServiceInfo } from '../iiif/image-api/read-service-info.js';
import type { Storage } from '../storage/storage.js';

/** One file a viewer would ask for that is missing or wrong. */
export interface VerifyProblem {
  readonly kind: 'missing' | 'bad';
  /** The key in the destination bucket. */
  readonly key: string;
  /** What is wrong, in words. */
  readonly reason: string;
}

export interface ServiceCheck {
  /** Files found that a viewer may request (info.json included). */
  readonly files: number;
  readonly problems: readonly VerifyProblem[];
  /** What its info.json declares, when it is a level-0 service. */
  readonly service?: ServiceInfo;
}

/**
 * Check one published image service against a listing of its folder, as a viewer would use it:
 * info.json parses and is the level-0 document its size and tiles imply (`readServiceInfo`), its
 * `id` names its own location, and every file it implies is listed and not empty. Reads info.json
 * only; the files are looked up in `listed`.
 *
 * @param input.listed sizes of the listed keys (the service's folder, or a folder above it)
 * @param input.baseUrl the bucket's public base URL (DEST_URL), so the `id` is checked exactly;
 *   without it, the `id` must end with the service's key
 */
export async function checkService(
  storage: Storage,
  input: {
    readonly bucket: string;
    readonly serviceKey: string;
    readonly listed: ReadonlyMap<string, number>;
    readonly baseUrl?: string;
  },
): Promise<ServiceCheck> {
  const { serviceKey, listed } = input;
  const infoKey = `${serviceKey}/info.json`;
  if (!listed.has(infoKey)) return { files: 0, problems: [{ kind: 'missing', key: infoKey, reason: 'no info.json' }] };
  let document: unknown;
  try {
    document = JSON.parse((await storage.getBytes(input.bucket, infoKey)).toString('utf8'));
  } catch (error) {
    return { files: 1, problems: [{ kind: 'bad', key: infoKey, reason: `not JSON: ${errorMessage(error)}` }] };
  }
  const service = readServiceInfo(document);
  if ('problem' in service) return { files: 1, problems: [{ kind: 'bad', key: infoKey, reason: service.problem }] };
  const problems: VerifyProblem[] = [];
  const ownUrl = input.baseUrl === undefined ? undefined : `${input.baseUrl}/${encodeKey(serviceKey)}`;
  if (ownUrl !== undefined ? service.id !== ownUrl : !service.id.endsWith(`/${encodeKey(serviceKey)}`)) {
    problems.push({
      kind: 'bad',
      key: infoKey,
      reason: `its id ${service.id} is not the service's own URL${ownUrl === undefined ? '' : ` ${ownUrl}`}`,
    });
  }
  let files = 1;
  for (const path of service.paths) {
    const key = `${serviceKey}/${path}`;
    const size = listed.get(key);
    if (size === undefined) problems.push({ kind: 'missing', key, reason: `named by ${infoKey}` });
    else if (size === 0) problems.push({ kind: 'bad', key, reason: 'empty file (0 bytes)' });
    else files++;
  }
  return { files, problems, service };
}

/** A key as it appears in a URL: each segment percent-encoded. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
