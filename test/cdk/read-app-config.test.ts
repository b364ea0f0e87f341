import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE_CONTEXT_KEY, readAppConfig, SETTINGS_CONTEXT_KEY } from '../../cdk/read-app-config.js';
import { InvalidInputError } from '../../src/errors.js';

describe('Function: readAppConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iiif-batch-app-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the defaults without any context', () => {
    // Prepare
    const app = new App({ context: {} });

    // Act
    const config = readAppConfig(app.node, dir);

    // Assess
    expect(config).toEqual({
      stackName: 'IiifBatch',
      account: undefined,
      region: undefined,
      settings: {},
      origin: 'defaults',
    });
  });

  it('reads a settings file named relative to the project and lets inline context replace its keys', () => {
    // Prepare
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ stackName: 'IiifBatchProd', region: 'eu-west-1', sourceBuckets: ['a-src'], jobAttempts: 2 }),
    );
    const app = new App({
      context: {
        [CONFIG_FILE_CONTEXT_KEY]: 'config.json',
        // As given with -c on the command line: a JSON string.
        [SETTINGS_CONTEXT_KEY]: JSON.stringify({ sourceBuckets: ['b-src'] }),
      },
    });

    // Act
    const config = readAppConfig(app.node, dir);

    // Assess
    expect(config).toEqual({
      stackName: 'IiifBatchProd',
      account: undefined,
      region: 'eu-west-1',
      settings: { sourceBuckets: ['b-src'], jobAttempts: 2 },
      origin: 'config.json + context iiif-batch',
    });
  });

  it('takes an inline object from cdk.json', () => {
    // Prepare
    const app = new App({ context: { [SETTINGS_CONTEXT_KEY]: { account: '123456789012', cdn: { enabled: false } } } });

    // Act
    const config = readAppConfig(app.node, dir);

    // Assess
    expect(config.account).toBe('123456789012');
    expect(config.settings).toEqual({ cdn: { enabled: false } });
  });

  it('names a settings file that does not exist', () => {
    // Prepare
    const app = new App({ context: { [CONFIG_FILE_CONTEXT_KEY]: 'missing.json' } });

    // Act
    const act = () => readAppConfig(app.node, dir);

    // Assess
    expect(act).toThrow(InvalidInputError);
    expect(act).toThrow(`Cannot read the settings file ${join(dir, 'missing.json')}`);
  });

  it('rejects a file that is not JSON', () => {
    // Prepare
    writeFileSync(join(dir, 'config.json'), '{ sourceBuckets: [img-src] }');
    const app = new App({ context: { [CONFIG_FILE_CONTEXT_KEY]: 'config.json' } });

    // Act
    const act = () => readAppConfig(app.node, dir);

    // Assess
    expect(act).toThrow(/^Expected JSON in .*config\.json but it does not parse/);
  });

  it('rejects settings that are not an object', () => {
    // Prepare
    const app = new App({ context: { [SETTINGS_CONTEXT_KEY]: '["img-src"]' } });

    // Act
    const act = () => readAppConfig(app.node, dir);

    // Assess
    expect(act).toThrow('Expected a JSON object of settings in context iiif-batch');
  });

  it.each([
    [{ stackName: '1stack' }, 'Expected a stack name for stackName but received "1stack"'],
    [{ account: '1234' }, 'Expected a 12-digit AWS account id for account but received "1234"'],
    [{ region: 'Europe' }, 'Expected an AWS region such as eu-west-1 for region but received "Europe"'],
    [{ region: 7 }, 'for region but received 7 of type number'],
  ])('rejects %j', (settings, message) => {
    // Prepare
    const app = new App({ context: { [SETTINGS_CONTEXT_KEY]: settings } });

    // Act
    const act = () => readAppConfig(app.node, dir);

    // Assess
    expect(act).toThrow(message);
  });
});
