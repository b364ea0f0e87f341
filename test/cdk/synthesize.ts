import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IiifBatchStack, type IiifBatchStackProps } from '../../cdk/iiif-batch-stack.js';
import type { IiifBatchSettings } from '../../cdk/settings.js';

/** The repository root (Docker build context, cdk.json, package-lock.json). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The feature flags of cdk.json, so tests synthesize what `npx cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

export interface Synthesized {
  readonly stack: IiifBatchStack;
  readonly template: Template;
  readonly annotations: Annotations;
  readonly assembly: ReturnType<App['synth']>;
  /** cdk-nag AwsSolutions over the whole app, after synthesis (what `cdk synth` would fail on). */
  readonly nag: PolicyValidationPluginReport;
  /** Removes the cloud assembly folder. */
  readonly cleanUp: () => void;
}

/**
 * Synthesizes the real stack once (NodejsFunction bundling runs esbuild, the image context is
 * staged): share the result across the tests of a file.
 */
export function synthesize(settings: IiifBatchSettings, props: Partial<IiifBatchStackProps> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'iiif-batch-cdk-'));
  const app = new App({ context: cdkJsonContext(), outdir });
  const stack = new IiifBatchStack(app, 'IiifBatch', { settings, projectRoot: repoRoot, ...props });
  const assembly = app.synth();
  return {
    stack,
    template: Template.fromStack(stack),
    annotations: Annotations.fromStack(stack),
    assembly,
    nag: new AwsSolutionsChecks(app).validateScope(app),
    cleanUp: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Every `Allow` statement of every IAM policy in the template, with the policy's logical id. */
export function allowStatements(template: Template): { policy: string; statement: Statement }[] {
  const found: { policy: string; statement: Statement }[] = [];
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const document = (resource as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
      .PolicyDocument;
    for (const statement of document.Statement) {
      if (statement.Effect === 'Allow') found.push({ policy: id, statement });
    }
  }
  return found;
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** The statements of the policy attached to the role with this logical id prefix. */
export function statementsOfRole(template: Template, rolePrefix: string): Statement[] {
  return allowStatements(template)
    .filter(({ policy }) => policy.startsWith(rolePrefix))
    .map(({ statement }) => statement);
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function resourceNamed(
  template: Template,
  type: string,
  prefix: string,
): { id: string; properties: Record<string, unknown> } {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(`Expected one ${type} named ${prefix}* but found ${matches.length}`);
  }
  const [id, resource] = matches[0] as [string, { Properties: Record<string, unknown> }];
  return { id, properties: resource.Properties };
}
