import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { type PreviewServer, startPreviewServer } from '../../src/preview/start-preview-server.js';

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with the path sent exactly as given (fetch would normalise `..` away before sending). */
function rawRequest(
  server: PreviewServer,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: server.host, port: server.port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

describe('Function: startPreviewServer', () => {
  let dir: string;
  let root: string;
  let server: PreviewServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'preview-server-'));
    root = join(dir, 'published');
    const service = join(root, 'demo', 'Box 1', 'Folder01', 'page1');
    await mkdir(join(service, 'full', 'max', '0'), { recursive: true });
    await writeFile(join(service, 'info.json'), JSON.stringify({ id: 'http://x/demo/page1', type: 'ImageService3' }));
    await writeFile(join(service, 'full', 'max', '0', 'default.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    await writeFile(
      join(root, 'demo', 'Box 1', 'Folder01', 'manifest.json'),
      JSON.stringify({ id: 'm', label: { en: ['Folder 1'] } }),
    );
    await writeFile(
      join(root, 'demo', 'Box 1', 'collection.json'),
      JSON.stringify({
        id: 'http://127.0.0.1:1/demo/Box%201/collection.json',
        type: 'Collection',
        label: { none: ['Box 1'] },
      }),
    );
    await mkdir(join(root, '_iiif-batch', 'runs'), { recursive: true });
    await writeFile(join(root, '_iiif-batch', 'runs', 'manifest.json'), '{}');
    await writeFile(join(root, 'notes.txt'), 'hello');
    await writeFile(join(dir, 'secret.txt'), 'top secret');
    await symlink(join(dir, 'secret.txt'), join(root, 'escape.txt'));
    server = await startPreviewServer({ root });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds to 127.0.0.1 on a free port when none is given and reports it', () => {
    // Assess
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('serves a tile as image/jpeg with CORS headers and its length', async () => {
    // Act
    const response = await fetch(`${server.url}/demo/Box%201/Folder01/page1/full/max/0/default.jpg`);
    const bytes = Buffer.from(await response.arrayBuffer());

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('content-length')).toBe('4');
    expect(bytes).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  });

  it('serves info.json as JSON-LD with CORS headers', async () => {
    // Act
    const response = await fetch(`${server.url}/demo/Box%201/Folder01/page1/info.json`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/ld+json; charset=utf-8');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.json()).toEqual({ id: 'http://x/demo/page1', type: 'ImageService3' });
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    // Act
    const response = await rawRequest(server, '/demo/Box%201/Folder01/page1/info.json', 'HEAD');

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/ld+json; charset=utf-8');
    expect(response.headers['content-length']).toBe(
      String('{"id":"http://x/demo/page1","type":"ImageService3"}'.length),
    );
    expect(response.body).toBe('');
  });

  it('answers 404 with CORS headers for a missing file, and HEAD of it too', async () => {
    // Act
    const missing = await fetch(`${server.url}/demo/Box%201/Folder01/page1/0,0,512,512/512,/0/default.jpg`);
    const head = await rawRequest(server, '/nothing/here.jpg', 'HEAD');

    // Assess
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    expect(head.status).toBe(404);
    expect(head.body).toBe('');
  });

  it('answers a CORS preflight and refuses other methods with 405', async () => {
    // Act
    const preflight = await rawRequest(server, '/notes.txt', 'OPTIONS', {
      Origin: 'http://viewer.example',
      'Access-Control-Request-Method': 'GET',
    });
    const post = await rawRequest(server, '/notes.txt', 'POST');

    // Assess
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-methods']).toContain('GET');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD, OPTIONS');
  });

  it.each([
    '/../secret.txt',
    '/demo/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/demo/%2F..%2F..%2Fsecret.txt',
    '/..%5Csecret.txt',
  ])('refuses the traversal %s without revealing the file', async (path) => {
    // Act
    const response = await rawRequest(server, path);

    // Assess
    expect(response.status).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.body).not.toContain('top secret');
  });

  it('refuses a symbolic link that leads out of the served folder', async () => {
    // Act
    const response = await rawRequest(server, '/escape.txt');

    // Assess
    expect(response.status).toBe(403);
    expect(response.body).not.toContain('top secret');
  });

  it('answers 304 when the ETag still matches', async () => {
    // Prepare
    const first = await fetch(`${server.url}/notes.txt`);
    const etag = first.headers.get('etag') ?? '';

    // Act
    const second = await rawRequest(server, '/notes.txt', 'GET', { 'If-None-Match': etag });

    // Assess
    expect(etag).toMatch(/^W\/"/);
    expect(second.status).toBe(304);
    expect(second.body).toBe('');
  });

  it('redirects / to the preview page and lists a folder', async () => {
    // Act
    const top = await rawRequest(server, '/?manifest=x');
    const folder = await fetch(`${server.url}/demo/Box%201/`);
    const noSlash = await rawRequest(server, '/demo');

    // Assess
    expect(top.status).toBe(302);
    expect(top.headers['location']).toBe('/_preview/?manifest=x');
    expect(folder.status).toBe(200);
    expect(folder.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await folder.text();
    expect(html).toContain('<a href="Folder01/">Folder01/</a>');
    expect(html).toContain('<a href="collection.json">collection.json</a>');
    expect(noSlash.status).toBe(302);
    expect(noSlash.headers['location']).toBe('/demo/');
  });

  it('serves the preview page, its script and the viewers with their types', async () => {
    // Act
    const page = await fetch(`${server.url}/_preview/`);
    const script = await fetch(`${server.url}/_preview/preview.js`);
    const style = await fetch(`${server.url}/_preview/preview.css`);
    const mirador = await rawRequest(server, '/_preview/mirador.min.js', 'HEAD');
    const osd = await rawRequest(server, '/_preview/openseadragon/openseadragon.min.js', 'HEAD');
    const button = await rawRequest(server, '/_preview/openseadragon/images/zoomin_rest.png', 'HEAD');
    const unknown = await rawRequest(server, '/_preview/openseadragon/images/../../../package.json');

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="/_preview/preview.js"></script>');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('window.iiifPreview');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(mirador.status).toBe(200);
    expect(mirador.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(mirador.headers['content-length'])).toBeGreaterThan(1_000_000);
    expect(osd.status).toBe(200);
    expect(button.status).toBe(200);
    expect(button.headers['content-type']).toBe('image/png');
    expect(unknown.status).toBe(404);
  });

  it('lists the collections and manifests under the root, skipping run records and image services', async () => {
    // Act
    const response = await fetch(`${server.url}/_preview/api/documents.json`);
    const documents = await response.json();

    // Assess
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(documents).toEqual({
      collections: [
        {
          path: '/demo/Box%201/collection.json',
          kind: 'collection',
          id: 'http://127.0.0.1:1/demo/Box%201/collection.json',
          label: 'Box 1',
        },
      ],
      manifests: [{ path: '/demo/Box%201/Folder01/manifest.json', kind: 'manifest', id: 'm', label: 'Folder 1' }],
      truncated: false,
    });
  });
});

describe('Function: startPreviewServer (options)', () => {
  it.each([-1, 65536, 1.5])('refuses the port %s', async (port) => {
    // Act
    const start = startPreviewServer({ root: tmpdir(), port });

    // Assess
    await expect(start).rejects.toThrow(
      new InvalidInputError(`Expected integer between 0 and 65535 for port but received ${port}`, { field: 'port' }),
    );
  });

  it('refuses a root that is not a folder, naming it', async () => {
    // Prepare
    const missing = join(tmpdir(), 'no-such-folder-for-preview');

    // Act
    const start = startPreviewServer({ root: missing });

    // Assess
    await expect(start).rejects.toThrow(`Expected an existing folder to serve but "${missing}" is not one`);
  });

  it('reports a port in use as invalid input', async () => {
    // Prepare
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;

    try {
      // Act
      const start = startPreviewServer({ root: tmpdir(), port });

      // Assess
      await expect(start).rejects.toBeInstanceOf(InvalidInputError);
      await expect(start).rejects.toThrow(`Cannot listen on 127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });
});
