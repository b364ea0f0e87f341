import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../errors.js';
import { decodeTaskFile } from '../task/decode-task-file.js';
import { parseTaskFile } from '../task/parse-task-file.js';
import type { Task } from '../task/task.js';

/** Read and validate a task file from disk. @throws InvalidInputError naming the file */
export async function readTaskFile(path: string): Promise<Task> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(code ?? error);
    throw new InvalidInputError(`Cannot read task file ${path}: ${why}`, { source: path }, { cause: error });
  }
  return parseTaskFile(decodeTaskFile(bytes, path), path);
}
