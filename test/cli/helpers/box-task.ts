import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { legacyTaskFile } from '../../helpers/task-file.js';

/**
 * The small collection the CLI end-to-end tests run: collection `Box`, images under
 * `img-src/Coll/Box/{item}/` of the local root, published under `img-pub/pub/Box/` at
 * https://iiif.example.org. Writes the metadata CSV (`img-src/metadata/box.csv`) and the task file
 * (`root/box.json`), and returns the task file's path.
 *
 * @param csv the CSV's text
 * @param settings more environment entries, e.g. `{ TILE_SIZE: '256' }`
 */
export async function writeBoxTask(
  root: string,
  localRoot: string,
  csv: string,
  settings: Record<string, string> = {},
): Promise<string> {
  await mkdir(join(localRoot, 'img-src', 'metadata'), { recursive: true });
  await writeFile(join(localRoot, 'img-src', 'metadata', 'box.csv'), csv);
  const taskPath = join(root, 'box.json');
  const environment = {
    COLLECTION_IDENTIFIER: 'Box',
    ACCESS_DIR: 'Coll/Box',
    DEST_PREFIX: 'pub',
    DEST_URL: 'https://iiif.example.org',
    CSV_NAME: 'box.csv',
    ...settings,
  };
  await writeFile(taskPath, JSON.stringify(legacyTaskFile(environment, { jobName: 'Box' })));
  return taskPath;
}
