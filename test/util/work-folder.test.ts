import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimWorkFolder, removeDeadWorkFolders } from '../../src/util/work-folder.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/**
 * A real process that claims a work folder (compiled code) and prints its path, then holds it until
 * its stdin closes (or it is killed).
 */
function claimInChild(parent: string, prefix: string): { child: ChildProcess; folder: Promise<string> } {
  const module = join(REPO_ROOT, 'dist', 'src', 'util', 'work-folder.js');
  const code =
    `const { claimWorkFolder } = await import(${JSON.stringify(module)});` +
    `const folder = await claimWorkFolder(${JSON.stringify(parent)}, ${JSON.stringify(prefix)});` +
    `console.log(folder); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const folder = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (status) => reject(new Error(`child exited with ${status} before claiming a folder`)));
  });
  return { child, folder };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('Function: claimWorkFolder', () => {
  let parent: string;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'work-folder-test-'));
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("removes the folders of killed processes, never a live process's or an unrelated one", async () => {
    // Prepare: one worker killed with SIGKILL mid-work, one still running, one unrelated folder.
    const killed = claimInChild(parent, 'w-');
    const live = claimInChild(parent, 'w-');
    const killedFolder = await killed.folder;
    const liveFolder = await live.folder;
    await writeFile(join(killedFolder, 'decoded.tif'), Buffer.alloc(1024));
    await writeFile(join(liveFolder, 'decoded.tif'), Buffer.alloc(1024));
    await mkdir(join(parent, 'w-someone-elses'));
    killed.child.kill('SIGKILL');
    await exited(killed.child);

    // Act
    const own = await claimWorkFolder(parent, 'w-');

    // Assess
    expect(existsSync(killedFolder)).toBe(false);
    expect(existsSync(join(liveFolder, 'decoded.tif'))).toBe(true);
    expect((await readdir(parent)).sort()).toEqual(
      [own, liveFolder, join(parent, 'w-someone-elses')].map((path) => path.slice(parent.length + 1)).sort(),
    );
    live.child.stdin?.end();
    await exited(live.child);
    expect(await removeDeadWorkFolders(parent, 'w-')).toEqual([liveFolder]);
  });
});
