// fauxqs is installed in this folder (its own package.json and lockfile), not with the project's
// dependencies: it needs Node 22.5 (node:sqlite), so npm installs it when running on the project's
// Node 22 (`npm run install-test-emulator`, run by `prepare` in `npm ci`), and an npm on an older
// system Node has nothing to warn about. This module gives the tests its API from here.
export { buildApp } from 'fauxqs';
