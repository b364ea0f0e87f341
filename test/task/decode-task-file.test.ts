import { describe, expect, it } from 'vitest';
import { TaskFileError } from '../../src/errors.js';
import { decodeTaskFile } from '../../src/task/decode-task-file.js';

function failure(bytes: Uint8Array): TaskFileError {
  try {
    decodeTaskFile(bytes, 'tasks/box2.json');
  } catch (error) {
    expect(error).toBeInstanceOf(TaskFileError);
    return error as TaskFileError;
  }
  throw new Error('expected the task file to be rejected');
}

describe('Function: decodeTaskFile', () => {
  it('reads UTF-8, with or without a byte-order mark', () => {
    // Prepare
    const text = '{"jobName": "Caf\u00e9"}\n';

    // Act / Assess
    expect(decodeTaskFile(Buffer.from(text, 'utf8'), 'a.json')).toBe(text);
    expect(decodeTaskFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]), 'a.json')).toBe(
      text,
    );
  });

  it('keeps a U+FFFD that the file really holds', () => {
    // Prepare
    const text = '{"a": "\uFFFD"}';

    // Act / Assess
    expect(decodeTaskFile(Buffer.from(text, 'utf8'), 'a.json')).toBe(text);
  });

  it('refuses Latin-1, naming the line, column and byte offset of the first byte that is not UTF-8', () => {
    // Prepare: "é" saved as Latin-1 is the single byte E9, after a real U+FFFD (which is valid UTF-8).
    const bytes = Buffer.from('{\n  "name": "\uFFFD Coll\u00e9",\n}', 'utf8');
    const latin1 = Buffer.concat([bytes.subarray(0, bytes.indexOf(0xc3)), Buffer.from([0xe9]), Buffer.from('",\n}')]);

    // Act
    const error = failure(latin1);

    // Assess
    expect(error.message).toBe(
      'tasks/box2.json: the task file is not UTF-8: line 2, column 18 (byte offset 21) holds the byte 0xE9, which UTF-8 does not allow there (a Latin-1 or Windows-1252 character?); save it as UTF-8',
    );
    expect(latin1[21]).toBe(0xe9);
    expect(error.source).toBe('tasks/box2.json');
  });

  it('refuses UTF-16 as such', () => {
    // Act
    const error = failure(Buffer.from('\uFEFF{"jobName": "x"}', 'utf16le'));

    // Assess
    expect(error.message).toMatch(/the task file is UTF-16 .*; save it as UTF-8$/);
  });
});
