import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCompute } from '../../cdk/constructs/batch-compute.js';
import { Network } from '../../cdk/constructs/network.js';
import { ENTRY_POINTS } from '../../src/config.js';
import { ExitCode } from '../../src/exit-codes.js';
import { cdkJsonContext, repoRoot } from './synthesize.js';

// The image cannot be built here (no Docker engine). These tests run what `docker build` would
// run, stage by stage, on the build context CDK stages for the image asset:
//   build stage:   the TypeScript build of the staged context
//   runtime stage: the Dockerfile's own production `npm ci`, then the compiled entry points.

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
/** Dockerfile stages by name, as text (continuation lines joined). */
const stages = new Map(
  dockerfile
    .replace(/\\\n/g, ' ')
    .split(/^(?=FROM )/m)
    .filter((stage) => stage.startsWith('FROM '))
    .map((stage) => [/^FROM \S+ AS (\S+)/.exec(stage)?.[1] ?? '', stage] as const),
);
const runtimeStage = stages.get('runtime') ?? '';
const buildStage = stages.get('build') ?? '';

/** The runtime stage's production install, with the architecture's `--cpu` filled in. */
function productionInstallArgs(cpu: 'x64' | 'arm64'): string[] {
  const command = /npm ci (--omit=dev[^&;]*)/.exec(runtimeStage)?.[1];
  if (command === undefined) throw new Error('The runtime stage has no `npm ci --omit=dev ...`');
  return [
    'ci',
    ...command
      .trim()
      .split(/\s+/)
      .map((arg) => arg.replace('"$cpu"', cpu)),
  ];
}

/** npm's own settings the parent `npm test`/`npx` exported, except where to fetch from and cache. */
const KEPT_NPM_SETTINGS = ['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_cafile'];

function npm(args: string[], cwd: string): { status: number | null; output: string } {
  // Never inherit npm_config_local_prefix & co.: the install must happen in `cwd`, not the repository.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') || KEPT_NPM_SETTINGS.includes(name)),
  );
  // --prefer-offline: the same install, from npm's cache where it has the packages already.
  const result = spawnSync('npm', [...args, '--prefer-offline'], { cwd, encoding: 'utf8', env, timeout: 180_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage, both on Node.js 22 slim', () => {
    // Prepare
    const devNode = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies.node;

    // Act
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];

    // Assess
    expect([...stages.keys()]).toEqual(['build', 'runtime']);
    expect(image).toMatch(/^node:22-[a-z]+-slim$/);
    expect(buildStage).toMatch(/^FROM \$\{NODE_IMAGE\} AS build/);
    expect(runtimeStage).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime/);
    // The same Node.js major as the tests and the submitter Lambda (nodejs22.x).
    expect(devNode).toMatch(/^\^?22\./);
  });

  it('compiles in the build stage with the dev dependencies and without install scripts', () => {
    // Assess
    expect(buildStage).toMatch(/^RUN npm ci --ignore-scripts\b/m);
    expect(buildStage).not.toContain('--omit=dev');
    expect(buildStage).toMatch(/^RUN npm run build$/m);
  });

  it('installs production dependencies only in the runtime stage, skipping `prepare`', () => {
    // Act
    const args = productionInstallArgs('x64');

    // Assess
    expect(args).toEqual(expect.arrayContaining(['ci', '--omit=dev', '--ignore-scripts', '--os=linux', '--cpu=x64']));
    expect(args).toContain('--libc=glibc');
    expect(runtimeStage).toMatch(/amd64\) cpu=x64 ;;/);
    expect(runtimeStage).toMatch(/arm64\) cpu=arm64 ;;/);
  });

  it('copies only package files and the compiled dist/src/ into the runtime stage', () => {
    // Act
    const copies = runtimeStage.match(/^COPY .*$/gm) ?? [];

    // Assess
    expect(copies).toEqual(['COPY package.json package-lock.json ./', 'COPY --from=build /app/dist/src ./dist/src']);
  });

  it('runs as the unprivileged node user, the shard worker by default', () => {
    // Act
    const lastUser = [...runtimeStage.matchAll(/^USER (\S+)$/gm)].at(-1);
    const afterUser = runtimeStage.slice((lastUser?.index ?? 0) + 1);

    // Assess
    expect(lastUser?.[1]).toBe('node');
    expect(afterUser).not.toMatch(/^RUN /m);
    expect(runtimeStage).toContain(`CMD ["node", "${ENTRY_POINTS.shardWorker}"]`);
    expect(runtimeStage).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
  });
});

describe('Image build, stage by stage (no Docker engine)', () => {
  let scratch: string;
  let context: string;
  let buildOutput: string;

  beforeAll(() => {
    // The context exactly as CDK stages it for the jobs' image asset (.dockerignore applied).
    scratch = mkdtempSync(join(tmpdir(), 'iiif-batch-image-'));
    const app = new App({ context: cdkJsonContext(), outdir: join(scratch, 'cdk.out') });
    const stack = new Stack(app, 'ImageOnly');
    const network = new Network(stack, 'Network');
    const compute = new BatchCompute(stack, 'Batch', {
      projectRoot: repoRoot,
      vpc: network.vpc,
      subnets: network.subnets,
      securityGroup: network.securityGroup,
    });
    const assembly = app.synth();
    context = join(scratch, 'context');
    cpSync(join(assembly.directory, `asset.${compute.image.assetHash}`), context, { recursive: true });

    // Build stage: `npm ci` (here: the repository's node_modules) and `npm run build`.
    symlinkSync(join(repoRoot, 'node_modules'), join(context, 'node_modules'), 'dir');
    const tsc = spawnSync(
      process.execPath,
      [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      { cwd: context, encoding: 'utf8' },
    );
    buildOutput = `${tsc.stdout}${tsc.stderr}`;
    if (tsc.status !== 0) throw new Error(`The build stage's TypeScript build fails:\n${buildOutput}`);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('stages a build context without node_modules, dist, tests or the CDK app', () => {
    // Act
    const entries = readdirSync(context).filter((entry) => entry !== 'node_modules' && entry !== 'dist');

    // Assess
    expect(entries.sort()).toEqual([
      '.dockerignore',
      'Dockerfile',
      'package-lock.json',
      'package.json',
      'src',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
  });

  it('compiles the entry points of ENTRY_POINTS, and only src/, in the build stage', () => {
    // Act
    const built = readdirSync(join(context, 'dist'));

    // Assess: the compiled src/ and the compiler's incremental record (not copied to the runtime stage)
    expect(buildOutput.trim()).toBe('');
    expect(built.sort()).toEqual(['.tsbuildinfo', 'src']);
    expect(existsSync(join(context, ENTRY_POINTS.shardWorker))).toBe(true);
    expect(existsSync(join(context, ENTRY_POINTS.assembler))).toBe(true);
  });

  describe('runtime stage (linux-x64)', () => {
    let runtime: string;
    let install: { status: number | null; output: string };

    beforeAll(() => {
      runtime = join(scratch, 'runtime');
      cpSync(join(context, 'package.json'), join(runtime, 'package.json'));
      cpSync(join(context, 'package-lock.json'), join(runtime, 'package-lock.json'));
      install = npm(productionInstallArgs('x64'), runtime);
      cpSync(join(context, 'dist', 'src'), join(runtime, 'dist', 'src'), { recursive: true });
    });

    it('installs the production dependencies with sharp for linux-x64 and no dev tools', () => {
      // Act
      const imgPackages = readdirSync(join(runtime, 'node_modules', '@img'));

      // Assess
      expect({ status: install.status, output: install.status === 0 ? '' : install.output }).toEqual({
        status: 0,
        output: '',
      });
      expect(imgPackages).toEqual(expect.arrayContaining(['sharp-linux-x64', 'sharp-libvips-linux-x64']));
      expect(imgPackages.filter((name) => name.includes('arm64') || name.includes('darwin'))).toEqual([]);
      for (const devTool of ['typescript', 'aws-cdk-lib', 'vitest', 'esbuild', '@biomejs/biome']) {
        expect({ devTool, installed: existsSync(join(runtime, 'node_modules', devTool)) }).toEqual({
          devTool,
          installed: false,
        });
      }
    });

    it('loads sharp with its prebuilt libvips', () => {
      // Act
      const result = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const { default: sharp } = await import('sharp'); console.log(sharp.versions.vips)",
        ],
        { cwd: runtime, encoding: 'utf8' },
      );

      // Assess
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    });

    it('has every package the two entry points import, and each loads', async () => {
      // Prepare: every bare import reachable from the compiled entry points (static and dynamic).
      const graph = await build({
        entryPoints: [join(runtime, ENTRY_POINTS.shardWorker), join(runtime, ENTRY_POINTS.assembler)],
        bundle: true,
        write: false,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        metafile: true,
        logLevel: 'silent',
        outdir: join(scratch, 'graph'),
      });
      const packages = [
        ...new Set(
          Object.values(graph.metafile.inputs)
            .flatMap((input) => input.imports)
            .filter((entry) => entry.external && !entry.path.startsWith('node:'))
            .map((entry) => entry.path),
        ),
      ].sort();

      // Act
      const script = `for (const name of ${JSON.stringify(packages)}) await import(name);`;
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: runtime,
        encoding: 'utf8',
      });

      // Assess
      expect(packages).toEqual(expect.arrayContaining(['sharp', '@aws-sdk/client-s3']));
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    });

    it.each([
      ['shard worker', ENTRY_POINTS.shardWorker],
      ['manifest assembler', ENTRY_POINTS.assembler],
    ])('starts the %s, which exits 2 on a missing run id', (_name, entryPoint) => {
      // Act: an environment without the run's variables, as a misconfigured job would have.
      const result = spawnSync(process.execPath, [entryPoint], {
        cwd: runtime,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json' },
        timeout: 60_000,
      });

      // Assess
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (package|module)/);
      expect(`${result.stdout}${result.stderr}`).toContain('IIIF_BATCH_RUN_ID');
      expect(result.status).toBe(ExitCode.Invalid);
    });
  });

  it('installs sharp for linux-arm64 in a Graviton image', () => {
    // Prepare
    const runtime = join(scratch, 'runtime-arm64');
    cpSync(join(context, 'package.json'), join(runtime, 'package.json'));
    cpSync(join(context, 'package-lock.json'), join(runtime, 'package-lock.json'));

    // Act
    const install = npm(productionInstallArgs('arm64'), runtime);

    // Assess
    expect({ status: install.status, output: install.status === 0 ? '' : install.output }).toEqual({
      status: 0,
      output: '',
    });
    const imgPackages = readdirSync(join(runtime, 'node_modules', '@img'));
    expect(imgPackages).toEqual(expect.arrayContaining(['sharp-linux-arm64', 'sharp-libvips-linux-arm64']));
    expect(imgPackages.filter((name) => name.includes('x64'))).toEqual([]);
  });
});
