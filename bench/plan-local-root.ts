import { linkSync, mkdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchTaskFile } from './bench-task.js';
import { type Timed, timed } from './mixed-run.js';
import { writePhotoLikeImage } from './photo-like-image.js';

export interface LocalPlanResult extends Timed {
  readonly images: number;
  readonly folders: number;
  /** What `plan` counted: every image planned, and the header sample read. */
  readonly planned: { readonly images: number; readonly items: number; readonly shards: number };
  readonly sizesRead: number;
}

const ACCESS_DIR = 'Bench/LocalRoot';
const IMAGES_PER_FOLDER = 40;
/** Links per source file: ext4 allows 65,000 names for one file. */
const LINKS_PER_SOURCE = 50_000;

/**
 * `iiif-batch plan TASK --local-root DIR` on `images` JPEGs in folders of 40 (issue 15: 100,000
 * images in 2,500 items planned in under 5 s). The files are hard links of a few small photo-like
 * JPEGs, so the tree costs no disk; the planner still lists, stats and groups every one, and reads
 * the headers of its sample. Runs under `/usr/bin/time`: wall, CPU (user + system), peak RSS.
 */
export async function benchLocalRootPlan(options: {
  readonly work: string;
  readonly cli: string;
  readonly images: number;
  readonly log: (message: string) => void;
}): Promise<LocalPlanResult> {
  const { work, images, log } = options;
  const root = join(work, 'local-root');
  const sources = Array.from({ length: Math.ceil(images / LINKS_PER_SOURCE) * 3 }, (_, index) =>
    join(work, `local-source-${index}.jpg`),
  );
  log(`building a local root of ${images} images (hard links of ${sources.length} JPEGs)…`);
  for (const [index, source] of sources.entries()) {
    await writePhotoLikeImage(source, 1200 + 200 * (index % 3), 900 + 300 * (index % 2), 'jpeg', 100 + index);
  }
  const folders = Math.ceil(images / IMAGES_PER_FOLDER);
  // Synchronous: 100,000 links one thread-pool round trip at a time would take longer than the plan.
  for (let folder = 0; folder < folders; folder++) {
    const dir = join(root, 'img-src', ACCESS_DIR, `Box${Math.floor(folder / 50) + 1}`, `Folder${folder + 1}`);
    mkdirSync(dir, { recursive: true });
    for (let page = 0; page < IMAGES_PER_FOLDER && folder * IMAGES_PER_FOLDER + page < images; page++) {
      const image = folder * IMAGES_PER_FOLDER + page;
      linkSync(sources[image % sources.length] as string, join(dir, `page${page + 1}.jpg`));
    }
  }
  await mkdir(join(root, 'img-src', 'metadata'), { recursive: true });
  await writeFile(join(root, 'img-src', 'metadata', 'bench.csv'), 'identifier,title\nLocal_Root,"Bench"\n');
  const taskPath = join(work, 'local-root-task.json');
  await writeFile(
    taskPath,
    benchTaskFile({ id: 'Local_Root', accessDir: ACCESS_DIR, srcBucket: 'img-src', destBucket: 'img-pub' }),
  );
  log(`planning it with iiif-batch plan…`);
  const { stdout, timing } = await timed(process.execPath, [
    options.cli,
    'plan',
    taskPath,
    '--local-root',
    root,
    '--json',
  ]);
  const estimate = JSON.parse(stdout) as { items: number; images: number; shards: number; sizesRead: number };
  return {
    ...timing,
    images,
    folders,
    planned: { images: estimate.images, items: estimate.items, shards: estimate.shards },
    sizesRead: estimate.sizesRead,
  };
}
