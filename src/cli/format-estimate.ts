import type { RunEstimate } from '../plan/estimate-run.js';

/** Figures measured after a run, beside which `report` prints the estimate. */
export interface MeasuredFigures {
  readonly images: number;
  readonly megapixels: number;
  readonly objects: number;
  readonly bytes: number;
  readonly workerSeconds: number;
  readonly vcpuHours: number;
}

const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
const decimal = (value: number, digits = 2): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (value: number): string => `$${value < 0.01 && value > 0 ? value.toFixed(4) : decimal(value)}`;

/** Bytes in the largest unit that keeps the number above 1 (decimal units, as AWS bills). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? integer(value) : decimal(value, 1)} ${units[unit]}`;
}

/** The estimate as a table for a person; with `measured`, a column of what the run did beside it. */
export function formatEstimate(estimate: RunEstimate, measured?: MeasuredFigures): string {
  const { published, requests, compute, cost } = estimate;
  const rows: [string, string, string?][] = [
    ['items', integer(estimate.items)],
    ['images (pages)', integer(estimate.images), measured && integer(measured.images)],
    ['megapixels', decimal(estimate.megapixels, 1), measured && decimal(measured.megapixels, 1)],
    ['  sizes read from headers (others from bytes)', integer(estimate.sizesRead)],
    ['shards', integer(estimate.shards)],
    ['published objects', integer(published.objects), measured && integer(measured.objects)],
    ['  tiles', integer(published.tiles.objects)],
    ...published.tilesPerLevel.map((count, level): [string, string] => [`    level ${level}`, integer(count)]),
    ['  sizes files', integer(published.sizes.objects)],
    ['  full/max', integer(published.full.objects)],
    ['  JSON (info, manifests, collection)', integer(published.json.objects)],
    ['published bytes', formatBytes(published.bytes), measured && formatBytes(measured.bytes)],
    ['S3 PUT requests', integer(requests.put)],
    ['S3 GET requests', integer(requests.get)],
    ['S3 LIST requests', integer(requests.list)],
    ['worker hours', decimal(compute.workerSeconds / 3600, 3), measured && decimal(measured.workerSeconds / 3600, 3)],
    ['worker vCPU-hours', decimal(compute.vcpuHours, 3), measured && decimal(measured.vcpuHours, 3)],
    ['cost: S3 requests', usd(cost.s3Put + cost.s3Get)],
    ['cost: S3 storage per month', usd(cost.s3StoragePerMonth)],
    ['cost: Fargate Spot', usd(cost.fargateSpot)],
    ['cost: Lambda', usd(cost.lambda)],
    [`cost: CloudFront egress, ${integer(cost.views)} image views`, usd(cost.egress)],
    ['cost: total', usd(cost.total)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length), 'estimate'.length);
  const header = measured === undefined ? [] : [`${''.padEnd(width)}  ${'estimate'.padStart(valueWidth)}  measured`];
  return `${[
    ...header,
    ...rows.map(
      ([name, value, after]) =>
        `${name.padEnd(width)}  ${value.padStart(valueWidth)}${after === undefined ? '' : `  ${after}`}`,
    ),
  ].join('\n')}\n`;
}
