import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Node } from 'constructs';
import * as z from 'zod';
import { InvalidInputError } from '../src/errors.js';
import { parseInput } from '../src/validation/parse-input.js';
import { text } from '../src/validation/rules.js';
import { type IiifBatchSettings, settingsError } from './settings.js';

/** CDK context key of inline settings (an object in cdk.json, or a JSON string with `-c`). */
export const SETTINGS_CONTEXT_KEY = 'iiif-batch';
/** CDK context key of a JSON settings file (e.g. `-c iiif-batch:config=cdk/config.json`). */
export const CONFIG_FILE_CONTEXT_KEY = 'iiif-batch:config';

/** What the app needs to build the stack. */
export interface AppConfig {
  /** @default "IiifBatch" */
  readonly stackName: string;
  /**
   * Account and region to bind the stack to. Unset (the default), the stack is
   * environment-agnostic: `cdk synth` needs no credentials and `cdk deploy` uses the CLI's profile.
   */
  readonly account: string | undefined;
  readonly region: string | undefined;
  /** Validated by the stack. */
  readonly settings: IiifBatchSettings;
  /** Where the settings came from, for messages. */
  readonly origin: string;
}

/**
 * Reads the deployment's settings from CDK context: a JSON file named by `iiif-batch:config`, then
 * the inline object `iiif-batch` (its top-level keys replace the file's). Besides the settings of
 * `IiifBatchSettings`, both may hold `stackName`, `account` and `region`.
 * @throws {InvalidInputError} when the file cannot be read or is not a JSON object, or a value of
 * `stackName`, `account` or `region` is malformed
 */
export function readAppConfig(node: Node, baseDir: string): AppConfig {
  const origins: string[] = [];
  let merged: Record<string, unknown> = {};

  const file = node.tryGetContext(CONFIG_FILE_CONTEXT_KEY) as unknown;
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') {
      throw new InvalidInputError(`Expected a file path for context ${CONFIG_FILE_CONTEXT_KEY}`, {
        field: CONFIG_FILE_CONTEXT_KEY,
      });
    }
    const path = isAbsolute(file) ? file : resolve(baseDir, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new InvalidInputError(
        `Cannot read the settings file ${path} (context ${CONFIG_FILE_CONTEXT_KEY})`,
        {
          source: path,
        },
        { cause: error },
      );
    }
    merged = { ...asObject(parseJson(text, path), path) };
    origins.push(file);
  }

  const inline = node.tryGetContext(SETTINGS_CONTEXT_KEY) as unknown;
  if (inline !== undefined) {
    const where = `context ${SETTINGS_CONTEXT_KEY}`;
    const value = typeof inline === 'string' ? parseJson(inline, where) : inline;
    merged = { ...merged, ...asObject(value, where) };
    origins.push(where);
  }

  const origin = origins.length === 0 ? 'defaults' : origins.join(' + ');
  const { stackName, account, region, ...settings } = merged;
  const app = parseInput(APP, { stackName, account, region }, (problem) => settingsError(problem, origin));
  return {
    stackName: app.stackName,
    account: app.account,
    region: app.region,
    settings: settings as IiifBatchSettings,
    origin,
  };
}

/** What the app needs besides the settings. */
const APP = z.object({
  stackName: text('a stack name', (value) => /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(value)).default('IiifBatch'),
  account: text('a 12-digit AWS account id', (value) => /^\d{12}$/.test(value)).optional(),
  region: text('an AWS region such as eu-west-1', (value) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(value)).optional(),
});

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInputError(
      `Expected JSON in ${where} but it does not parse: ${error instanceof Error ? error.message : String(error)}`,
      { source: where },
      { cause: error },
    );
  }
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`Expected a JSON object of settings in ${where}`, { source: where });
  }
  return value as Record<string, unknown>;
}
