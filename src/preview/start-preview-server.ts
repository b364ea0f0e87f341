import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidInputError, RunRecordError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { naturalCompare } from '../plan/natural-compare.js';
import { escapeHtml } from '../util/escape-html.js';
import { contentTypeFor } from './content-type.js';
import { findPublishedDocuments } from './find-published-documents.js';
import { listLocalRuns, renderLocalQcPage } from './local-runs.js';
import {
  DOCUMENTS_API_PATH,
  openSeadragonImagesDir,
  PREVIEW_PATH,
  previewAssets,
  RUNS_API_PATH,
} from './preview-assets.js';
import { isInside, resolveServedPath } from './resolve-served-path.js';

export interface PreviewServerOptions {
  /** Folder to serve: a published tree (the destination bucket's folder) or a whole local root. */
  readonly root: string;
  /** Interface to bind. Default `127.0.0.1` (this machine only). */
  readonly host?: string;
  /** TCP port, 0–65535. Default 0: any free port (read the chosen one from the result). */
  readonly port?: number;
  /** Receives one debug line per request and warnings for server-side failures. */
  readonly logger?: Logger;
}

export interface PreviewServer {
  /** Base URL, no trailing slash: `http://127.0.0.1:8080`. The preview page is at `url + '/_preview/'`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Type, ETag, Last-Modified',
  'X-Content-Type-Options': 'nosniff',
} as const;

const MAX_LISTED_ENTRIES = 5000;

/**
 * A static file server for looking at published IIIF output before publishing it: every file
 * under `root` with its media type and CORS headers (`Access-Control-Allow-Origin: *`, so viewers
 * on any origin can load it), GET and HEAD, 404 for what is absent, and no way out of `root`
 * (relative segments, encoded slashes and symbolic links leading outside are refused). The
 * preview page is at `/_preview/` (Mirador for collections and manifests, OpenSeadragon for one
 * image); `/` redirects there.
 */
export async function startPreviewServer(options: PreviewServerOptions): Promise<PreviewServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const logger = options.logger ?? silentLogger;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidInputError(`Expected integer between 0 and 65535 for port but received ${port}`, {
      field: 'port',
    });
  }
  const root = await servedRoot(options.root);
  const assets = previewAssets();
  const osdImages = openSeadragonImagesDir();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.warn('Preview server failed to answer a request', { url: request.url, error });
      if (!response.headersSent) sendText(response, 500, 'Internal server error', request.method === 'HEAD');
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const rawUrl = request.url ?? '/';
    logger.debug('Preview request', { method, url: rawUrl });
    if (method === 'OPTIONS') {
      response.writeHead(204, { ...CORS_HEADERS, 'Access-Control-Max-Age': '86400' }).end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD, OPTIONS');
      sendText(response, 405, `Method ${method} not allowed`, false);
      return;
    }
    const headOnly = method === 'HEAD';
    const cut = rawUrl.search(/[?#]/);
    const urlPath = cut === -1 ? rawUrl : rawUrl.slice(0, cut);
    const query = cut === -1 ? '' : rawUrl.slice(cut);
    if (urlPath === '/') return redirect(response, PREVIEW_PATH + query);
    if (urlPath === PREVIEW_PATH.slice(0, -1)) return redirect(response, PREVIEW_PATH + query);
    if (urlPath.startsWith(PREVIEW_PATH)) return servePreview(request, response, urlPath, headOnly);

    const resolved = resolveServedPath(root, urlPath);
    if (!resolved.ok) return sendText(response, resolved.status, `Refused: ${resolved.reason}`, headOnly);
    const real = await realpath(resolved.path).catch(() => undefined);
    if (real === undefined) return sendText(response, 404, `Not found: ${urlPath}`, headOnly);
    if (!isInside(root, real)) return sendText(response, 403, 'Refused: path leaves the served folder', headOnly);
    const info = await stat(real);
    if (info.isDirectory()) {
      if (!urlPath.endsWith('/')) return redirect(response, `${urlPath}/${query}`);
      return sendListing(response, real, urlPath, headOnly);
    }
    if (!info.isFile()) return sendText(response, 404, `Not found: ${urlPath}`, headOnly);
    return sendFile(request, response, real, headOnly);
  }

  async function servePreview(
    request: IncomingMessage,
    response: ServerResponse,
    urlPath: string,
    headOnly: boolean,
  ): Promise<void> {
    if (urlPath === DOCUMENTS_API_PATH) {
      return sendJson(response, await findPublishedDocuments(root), headOnly);
    }
    if (urlPath === RUNS_API_PATH) return sendJson(response, await listLocalRuns(root), headOnly);
    const relative = urlPath.slice(PREVIEW_PATH.length);
    const run = /^runs\/([\w.-]+)$/.exec(relative);
    if (run?.[1] !== undefined) return serveQcPage(response, decodeURIComponent(run[1]), headOnly);
    const asset = assets.get(relative);
    if (asset !== undefined) return sendFile(request, response, asset, headOnly);
    const image = /^openseadragon\/images\/([\w-]+\.png)$/.exec(relative);
    if (image?.[1] !== undefined) {
      const file = join(osdImages, image[1]);
      if (await isFile(file)) return sendFile(request, response, file, headOnly);
    }
    sendText(response, 404, `Not found: ${urlPath}`, headOnly);
  }

  /** The QC page of a run recorded under the served local root. */
  async function serveQcPage(response: ServerResponse, runId: string, headOnly: boolean): Promise<void> {
    let body: string;
    try {
      body = await renderLocalQcPage(root, runId);
    } catch (error) {
      if (error instanceof RunRecordError)
        return sendText(response, 404, `No run ${runId} here: ${error.message}`, headOnly);
      throw error;
    }
    sendBody(response, 200, 'text/html; charset=utf-8', body, headOnly);
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
          ? new InvalidInputError(
              `Cannot listen on ${host}:${port}: ${error.message}`,
              { field: 'port' },
              { cause: error },
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;
  logger.info('Preview server listening', { url, root, page: `${url}${PREVIEW_PATH}` });
  return {
    url,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function servedRoot(root: string): Promise<string> {
  const real = await realpath(root).catch(() => undefined);
  const info = real === undefined ? undefined : await stat(real);
  if (real === undefined || !info?.isDirectory()) {
    throw new InvalidInputError(`Expected an existing folder to serve but "${root}" is not one`, {
      source: root,
      field: 'root',
    });
  }
  return real;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

async function sendFile(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  headOnly: boolean,
): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return sendText(response, 404, 'Not found', headOnly);
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers = {
    ...CORS_HEADERS,
    'Content-Type': contentTypeFor(path),
    'Last-Modified': info.mtime.toUTCString(),
    ETag: etag,
    // A preview shows what is on disk now: revalidate every time (cheap with the ETag).
    'Cache-Control': 'no-cache',
  };
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Length': info.size });
  if (headOnly) {
    response.end();
    return;
  }
  try {
    await pipeline(createReadStream(path), response);
  } catch (error) {
    // A client that goes away mid-file (a viewer cancelling a tile) is normal, not a failure.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
}

async function sendListing(response: ServerResponse, folder: string, urlPath: string, headOnly: boolean) {
  const entries = await readdir(folder, { withFileTypes: true });
  const names = entries
    .filter((entry) => !entry.name.startsWith('.'))
    .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
    .sort(naturalCompare);
  const shown = names.slice(0, MAX_LISTED_ENTRIES);
  const rows = shown.map((name) => {
    const href = encodeURIComponent(name.endsWith('/') ? name.slice(0, -1) : name) + (name.endsWith('/') ? '/' : '');
    return `<li><a href="${href}">${escapeHtml(name)}</a></li>`;
  });
  const more = names.length > shown.length ? `<p>… and ${names.length - shown.length} more</p>` : '';
  const title = escapeHtml(decodeURIComponent(urlPath));
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>` +
    `<p><a href="${PREVIEW_PATH}">Preview page</a></p><h1>${title}</h1><ul>` +
    (urlPath === '/' ? '' : '<li><a href="../">../</a></li>') +
    `${rows.join('')}</ul>${more}</body></html>`;
  sendBody(response, 200, 'text/html; charset=utf-8', body, headOnly);
}

function sendJson(response: ServerResponse, value: unknown, headOnly: boolean): void {
  sendBody(response, 200, 'application/json; charset=utf-8', JSON.stringify(value), headOnly);
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { ...CORS_HEADERS, Location: location, 'Content-Length': 0 }).end();
}

function sendText(response: ServerResponse, status: number, text: string, headOnly: boolean): void {
  sendBody(response, status, 'text/plain; charset=utf-8', `${text}\n`, headOnly);
}

/** A generated (never cached) response: the body is left out for a HEAD request. */
function sendBody(response: ServerResponse, status: number, type: string, body: string, headOnly: boolean): void {
  response.writeHead(status, {
    ...CORS_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(headOnly ? undefined : body);
}
