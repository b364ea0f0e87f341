import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { readBrowserTestConfig } from '../../../src/config.js';

/** Flags for headless Chromium on a CI machine with no GPU, no sandbox and no network but loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

export interface BrowserAvailability {
  readonly available: boolean;
  /** Run the suite: the browser is there, or CI requires it (and the suite then fails loudly). */
  readonly run: boolean;
  readonly chromiumPath: string;
  /** Why the suite cannot run, for the warning or the failure. */
  readonly message: string;
}

/**
 * Is Debian's Chromium installed? Without it the browser tests skip with a visible warning, except
 * under CI (`CI=true`), where a missing browser is a failure: CI installs it (.ci/install-browser.sh).
 */
export function browserAvailability(): BrowserAvailability {
  const config = readBrowserTestConfig(process.env);
  const available = existsSync(config.chromiumPath);
  const message = available
    ? ''
    : `Chromium not found at ${config.chromiumPath}: install it with "bash .ci/install-browser.sh" (apt-get install chromium)`;
  if (!available && !config.requireBrowser) console.warn(`SKIPPING real-browser tests. ${message}`);
  return { available, run: available || config.requireBrowser, chromiumPath: config.chromiumPath, message };
}

export interface BrowserSession {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launch headless Chromium with a fresh user data dir (removed on close). */
export async function launchBrowser(chromiumPath: string): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'iiif-batch-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Everything a page asked for, and everything that went wrong doing so. */
export interface RequestLog {
  /** URLs of every request, in order. */
  readonly requested: string[];
  /** `"<status or error> <url>"` for each failed request and each response with status >= 400. */
  readonly failures: string[];
  /** Uncaught exceptions in the page. */
  readonly pageErrors: string[];
}

/** Record the requests of `page` (and its workers) from now on. */
export function watchRequests(page: Page): RequestLog {
  const log: RequestLog = { requested: [], failures: [], pageErrors: [] };
  page.on('request', (request) => log.requested.push(request.url()));
  page.on('requestfailed', (request) =>
    log.failures.push(`${request.failure()?.errorText ?? 'failed'} ${request.url()}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) log.failures.push(`${response.status()} ${response.url()}`);
  });
  page.on('pageerror', (error) => log.pageErrors.push(error.message));
  return log;
}
