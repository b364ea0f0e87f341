import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { photo } from '../../../helpers/photo.js';
import { legacyTaskFile } from '../../../helpers/task-file.js';
import { tiffDirectoryFirst } from '../../../shard-worker/helpers/tiff-directory-first.js';

/** Write `body` at `key` under the local root, creating its folders. */
export async function writeUnder(localRoot: string, key: string, body: Buffer | string): Promise<void> {
  const path = join(localRoot, key);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, body);
}

/**
 * The collection the `run` end-to-end tests publish, under `localRoot`: `Coll/Box1/Folder1` with
 * three good pages (JPEG, PNG, LZW TIFF) and a text file; `Coll/Box1/Folder2/Access` with a good
 * JPEG and four bad files (a JPEG cut in half, an empty one, an uncompressed TIFF with its directory
 * first cut short, a text file named .jpg); the CSV; and the task file `root/task.json` (collection
 * Box1, tiles of 256), whose path it returns.
 */
export async function writeBox1Collection(root: string, localRoot: string): Promise<string> {
  const write = (key: string, body: Buffer | string): Promise<void> => writeUnder(localRoot, key, body);
  const good = await (await photo(1200, 900)).jpeg().toBuffer();
  await write('img-src/Coll/Box1/Folder1/page1.jpg', good);
  await write('img-src/Coll/Box1/Folder1/page10.png', await (await photo(300, 200)).png().toBuffer());
  await write(
    'img-src/Coll/Box1/Folder1/page2.tif',
    await (await photo(700, 1100)).tiff({ compression: 'lzw' }).toBuffer(),
  );
  await write('img-src/Coll/Box1/Folder1/notes.txt', 'not an image');
  await write('img-src/Coll/Box1/Folder2/Access/a.jpg', good);
  await write('img-src/Coll/Box1/Folder2/Access/truncated.jpg', good.subarray(0, Math.floor(good.length / 2)));
  await write('img-src/Coll/Box1/Folder2/Access/empty.jpg', Buffer.alloc(0));
  // An uncompressed master cut short by a failed copy, directory first: libvips alone only warns.
  const master = tiffDirectoryFirst(await (await photo(800, 600)).tiff({ compression: 'none' }).toBuffer());
  await write('img-src/Coll/Box1/Folder2/Access/cut.tif', master.subarray(0, Math.floor(master.length / 2)));
  await write('img-src/Coll/Box1/Folder2/Access/text.jpg', 'this is a text file, not a JPEG\n');
  await write(
    'img-src/metadata/box1.csv',
    'identifier,title,description,creator\nFolder1,First folder,Three pages,Someone\nFolder2,Second folder,,Someone else\n',
  );
  const taskPath = join(root, 'task.json');
  await writeFile(
    taskPath,
    JSON.stringify(
      legacyTaskFile({
        COLLECTION_IDENTIFIER: 'Box1',
        ACCESS_DIR: 'Coll/Box1',
        DEST_PREFIX: 'pub',
        DEST_URL: 'https://iiif.example.org',
        CSV_NAME: 'box1.csv',
        TILE_SIZE: '256',
      }),
    ),
  );
  return taskPath;
}
