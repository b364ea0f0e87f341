#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { packageRoot } from '../src/local/package-root.js';
import { IiifBatchStack } from './iiif-batch-stack.js';
import { readAppConfig } from './read-app-config.js';

// `npx cdk synth|deploy` from the repository root (cdk.json builds, then runs dist/cdk-app/cdk/app.js).
const app = new App();
const root = packageRoot();
const config = readAppConfig(app.node, root);
new IiifBatchStack(app, config.stackName, {
  settings: config.settings,
  settingsOrigin: config.origin,
  projectRoot: root,
  ...(config.account !== undefined || config.region !== undefined
    ? { env: { account: config.account, region: config.region } }
    : {}),
});
// cdk-nag (AwsSolutions) runs as a validation plugin: any unacknowledged finding fails synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
