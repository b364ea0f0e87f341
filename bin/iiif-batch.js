#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` through `prepare`).
import('../dist/src/cli/main.js').catch((error) => {
  console.error(`iiif-batch: cannot start (${error.message}). Run "npm run build" first.`);
  process.exit(2);
});
