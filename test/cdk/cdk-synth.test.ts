import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_POINTS } from '../../src/config.js';
import { repoRoot } from './synthesize.js';

// `npx cdk synth` from the repository root, as a user runs it: cdk.json compiles the app and runs
// it, with cdk-nag as a validation plugin. No credentials, no Docker, no network.
describe('CLI: cdk synth', () => {
  let out: string;
  let result: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'iiif-batch-synth-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
    };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      delete env[name];
    }
    result = spawnSync(
      join(repoRoot, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--output', out, '-c', 'iiif-batch:config=cdk/config.example.json'],
      { cwd: repoRoot, env, encoding: 'utf8', timeout: 240_000 },
    );
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('synthesizes the stack named in the settings file, with cdk-nag passing', () => {
    // Assess
    expect({ status: result.status, stderr: result.status === 0 ? '' : String(result.stderr) }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(existsSync(join(out, 'IiifBatch.template.json'))).toBe(true);
    expect(String(result.stderr)).not.toMatch(/AwsSolutions-/);
  });

  it('applies the settings file: sources, existing destination, job commands', () => {
    // Act
    const template = readFileSync(join(out, 'IiifBatch.template.json'), 'utf8');

    // Assess
    expect(template).toContain(':s3:::img-src/*');
    expect(template).toContain(':s3:::img-pub/*');
    expect(template).toContain(JSON.stringify(ENTRY_POINTS.shardWorker));
    expect(template).toContain(JSON.stringify(ENTRY_POINTS.assembler));
  });
});
