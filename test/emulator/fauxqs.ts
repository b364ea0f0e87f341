// fauxqs is installed in this folder (its own package.json and lockfile), not with the project's
// dependencies: it needs Node 22.5 (node:sqlite), so npm installs it when running on the project's
// Node 22 (`npm run install-test-emulator`, run by `prepare` in `npm ci`), and an npm on an older
// system Node has nothing to warn about. This module gives the tests its API from here.
// It loads node:sqlite, which Node 22 announces on stderr as experimental: a notice about the
// emulator, not about iiif-batch, that each test worker would print; that one notice is dropped.
let fauxqs: typeof import('fauxqs');
const emitWarning = process.emitWarning;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(warning).startsWith('SQLite is an experimental feature')) return;
  (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
}) as typeof process.emitWarning;
try {
  fauxqs = await import('fauxqs');
} catch (error) {
  throw new Error(
    'The S3/SQS emulator of the tests (fauxqs) is not installed in test/emulator/: run "npm run install-test-emulator" (npm ci does)',
    { cause: error },
  );
} finally {
  process.emitWarning = emitWarning;
}

export const { buildApp } = fauxqs;
