import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { runCliInProcess } from '../helpers/run-cli-in-process.js';
import { legacyTaskFile } from '../helpers/task-file.js';

/** No cloud configuration inherited from the machine running the tests. */
const bareEnv: NodeJS.ProcessEnv = {
  IIIF_BATCH_TASK_BUCKET: '',
  IIIF_BATCH_STATE_BUCKET: '',
  IIIF_BATCH_QUEUE_URL: '',
  IIIF_BATCH_DLQ_URL: '',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  // Nothing may reach AWS: any client that tried would fail here at once.
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('Operator CLI: help and usage', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cli-usage-'));
    await mkdir(join(root, 'data'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each(['submit', 'status', 'resubmit', 'assemble', 'serve', 'dlq'])(
    '%s --help shows usage with examples (exit 0)',
    async (command) => {
      // Act
      const result = await runCliInProcess([command, '--help']);

      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`iiif-batch ${command}`);
      expect(result.stdout).toContain('Examples:');
      expect(result.stdout).toMatch(/Exit\s+status/);
      expect(result.stdout).toContain('--json');
    },
  );

  it.each([
    ['a missing run id', ['status'], 'Not enough non-option arguments'],
    [
      'a worker count of 0',
      ['resubmit', 'r', '--local-root', 'DATA', '--workers', '0'],
      'Expected integer between 1 and 256 for --workers',
    ],
    [
      'a run with 0 workers',
      ['run', 'TASK', '--local-root', 'DATA', '--workers', '0'],
      'Expected integer between 1 and 256 for --workers but received 0',
    ],
    [
      'a wait interval of 0',
      ['submit', 'TASK', '--interval', '0'],
      'Expected number between 0.1 and 3600 for --interval but received 0',
    ],
    ['no folder to serve', ['serve'], 'Name the folder to serve'],
    ['a port out of range', ['serve', 'DATA', '--port', '70000'], 'Expected integer between 0 and 65535 for --port'],
    [
      'a local root that does not exist',
      ['status', 'r', '--local-root', '/nonexistent/iiif'],
      'Expected an existing folder for --local-root',
    ],
    ['an unknown local run', ['status', 'nope', '--local-root', 'DATA'], 'No run "nope"'],
    ['a task file that does not exist', ['submit', 'MISSING', '--local-root', 'DATA'], 'no such file'],
    ['no state bucket for AWS', ['status', 'r'], '--state-bucket or set IIIF_BATCH_STATE_BUCKET'],
    ['no task bucket for AWS', ['submit', 'TASK'], '--bucket or set IIIF_BATCH_TASK_BUCKET'],
    ['no dead-letter queue for AWS', ['dlq'], '--dlq-url or set IIIF_BATCH_DLQ_URL'],
    ['a queue URL that is not one', ['dlq', '--dlq-url', 'my-queue'], 'Expected an absolute http(s) URL for --dlq-url'],
    ['an unknown option', ['status', 'r', '--bogus'], 'Unknown argument'],
  ])('exits 2 on %s', async (_case, args, message) => {
    // Prepare: a valid task file for the commands that need one.
    const task = join(root, 'task.json');
    await writeFile(task, JSON.stringify(legacyTaskFile()));
    const paths: Record<string, string> = { DATA: join(root, 'data'), TASK: task, MISSING: join(root, 'missing.json') };
    const resolved = args.map((arg) => paths[arg] ?? arg);

    // Act
    const result = await runCliInProcess(resolved, { env: bareEnv });

    // Assess
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('npm run build');
  });

  it('exits 2 on bad usage as a process of its own (the entry point and exit status wired)', async () => {
    // Act
    const result = await runCli(['submit', 'missing.json', '--local-root', 'data'], { env: bareEnv, cwd: root });

    // Assess
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain('iiif-batch: Cannot read task file missing.json: no such file');
    expect(result.stderr).not.toContain('npm run build');
  });

  it('says "npm run build" only when the CLI is not built (exit 2)', async () => {
    // Prepare: the launcher in a package without dist/.
    const unbuilt = join(root, 'unbuilt');
    await mkdir(join(unbuilt, 'bin'), { recursive: true });
    await copyFile(join(REPO_ROOT, 'bin', 'iiif-batch.js'), join(unbuilt, 'bin', 'iiif-batch.js'));

    // Act
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(unbuilt, 'bin', 'iiif-batch.js'), 'status', 'r'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(unbuilt, 'dist', 'src', 'cli', 'main.js'));
    expect(result.stderr).toContain('Run "npm run build" first');
  });

  it('reports errors as JSON with --json', async () => {
    // Act
    const result = await runCliInProcess(['status', 'nope', '--local-root', join(root, 'data'), '--json']);

    // Assess
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'RunRecordError', exitCode: 2 });
  });

  it('dlq on a local root has nothing to list (exit 0)', async () => {
    // Act
    const result = await runCliInProcess(['dlq', '--local-root', join(root, 'data'), '--json']);

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ messages: [], redriven: 0, exitCode: 0 });
  });

  it('serve: serves files with CORS on 127.0.0.1 until Ctrl-C (exit 0)', async () => {
    // Prepare
    await mkdir(join(root, 'data', 'img-pub', 'pub'), { recursive: true });
    await writeFile(join(root, 'data', 'img-pub', 'pub', 'manifest.json'), '{"type":"Manifest"}');
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'iiif-batch.js'), 'serve', join(root, 'data'), '--port', '0', '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const [line] = await new Promise<string[]>((resolve) => {
      createInterface({ input: child.stdout }).once('line', (first) => resolve([first]));
    });
    const started = JSON.parse(line ?? '{}') as { url: string; preview: string; host: string };

    // Act
    const file = await fetch(`${started.url}/img-pub/pub/manifest.json`);
    const preview = await fetch(started.preview);
    child.kill('SIGINT');

    // Assess
    expect(started.host).toBe('127.0.0.1');
    expect(file.status).toBe(200);
    expect(file.headers.get('access-control-allow-origin')).toBe('*');
    expect(await file.json()).toEqual({ type: 'Manifest' });
    expect(preview.status).toBe(200);
    expect(await exited).toBe(0);
  });
});
