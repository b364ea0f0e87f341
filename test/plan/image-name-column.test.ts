import { describe, expect, it } from 'vitest';
import { ImageNameColumn } from '../../src/plan/image-name-column.js';
import { TextArena } from '../../src/plan/text-arena.js';
import { JsonBytes } from '../../src/util/json-bytes.js';

describe('Class: ImageNameColumn', () => {
  it("gives back every image's name, whether its file gives it or not", () => {
    // Prepare: [image name, file name, page]
    const images: [string, string, number][] = [
      ['p1', 'p1.tif', 0],
      ['p1_tif', 'p1.tif', 0],
      ['letter_p1', 'letter.tif', 1],
      ['letter_p2', 'letter.tif', 2],
      ['letter_1a2b3c4d_p1', 'letter.tif', 1],
      ['scan', 'scan', 0],
      ['_hidden', '.hidden', 0],
      ['a.b', 'a.b.jpg', 0],
      ['page_1', 'page 1.jpg', 0],
      ['émoji 😀', 'émoji 😀.png', 0],
      ['q"uote', 'q"uote.jpg', 0],
      ['x_p3', 'x.jpg', 0],
    ];
    const fileNames = new TextArena();
    const names = new ImageNameColumn(fileNames);

    // Act
    for (const [name, fileName, page] of images) names.push(name, fileName, page);
    for (const [, fileName] of images) fileNames.add(fileName);
    const out = new JsonBytes().raw('[');
    images.forEach(([, , page], index) => {
      if (index > 0) out.raw(',');
      names.writeJson(index, index, page, out);
    });
    out.raw(']');

    // Assess
    expect(names.length).toBe(images.length);
    expect(images.map(([, , page], index) => names.get(index, index, page))).toEqual(images.map(([name]) => name));
    expect(out.view().toString('utf8')).toBe(JSON.stringify(images.map(([name]) => name)));
  });
});
