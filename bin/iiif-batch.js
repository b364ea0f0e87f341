#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` through `prepare`).
// Only a missing build is reported here; every other error is the CLI's own to report.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(`iiif-batch: the CLI is not built (${fileURLToPath(cli)} is missing). Run "npm run build" first.`);
  process.exit(2);
}
await import(cli.href);
