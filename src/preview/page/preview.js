// The iiif-batch preview page: plain browser JavaScript, no build step.
//   /_preview/                   lists the collections and manifests found under the served folder
//   /_preview/?collection=URL    opens a collection in Mirador
//   /_preview/?manifest=URL      opens a manifest in Mirador
//   /_preview/?image=URL         opens an image service (its info.json or its id) in OpenSeadragon
//   /_preview/?item=URL          shows a manifest's pages as a grid of thumbnails
// Collections and items are grids of thumbnails (published `sizes` files, never the full image),
// lazy-loaded, GRID_PAGE a page, with a filter box over their labels.
// `window.iiifPreview` exposes the state of the page (mode, viewer, tile counts) for people and tests.

const PREVIEW = '/_preview/';
const state = { mode: 'listing', viewer: undefined, tiles: { loaded: 0, failed: 0 }, error: undefined };
window.iiifPreview = state;

const $ = (id) => document.getElementById(id);
/** Thumbnails shown at once in one grid; more are a click on the pager away. */
const GRID_PAGE = 120;

function element(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, properties);
  for (const child of children) node.append(child);
  return node;
}

function previewLink(kind, url, text) {
  return element('a', { href: `${PREVIEW}?${kind}=${encodeURIComponent(url)}`, textContent: text });
}

/** The text of a Presentation 3 language map, a 2.1 string or a 2.1 `{@value}` list. */
function labelOf(label) {
  if (typeof label === 'string') return label;
  if (Array.isArray(label)) return label.map(labelOf).filter(Boolean).join('; ');
  if (label && typeof label === 'object') {
    if (typeof label['@value'] === 'string') return label['@value'];
    return labelOf(label.none ?? label.en ?? Object.values(label)[0]);
  }
  return '';
}

const idOf = (resource) => resource?.id ?? resource?.['@id'];

/** The URL of a resource's thumbnail (Presentation 3 list or 2.1 object or string). */
function thumbnailOf(resource) {
  const thumbnail = [resource?.thumbnail ?? []].flat()[0];
  return typeof thumbnail === 'string' ? thumbnail : idOf(thumbnail);
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText} for ${url}`);
  return response.json();
}

/** Manifests listed by a collection (Presentation 3 `items`, 2.1 `manifests`). */
function manifestsOf(collection) {
  const entries = collection.items ?? collection.manifests ?? [];
  return entries
    .filter((entry) => /manifest$/i.test(String(entry.type ?? entry['@type'] ?? '')))
    .map((entry) => ({ id: idOf(entry), label: labelOf(entry.label) || idOf(entry), thumbnail: thumbnailOf(entry) }));
}

/** Image services painted on a manifest's canvases (Presentation 3 and 2.1). */
function imagesOf(manifest) {
  const canvases = manifest.items ?? manifest.sequences?.[0]?.canvases ?? [];
  const images = [];
  for (const canvas of canvases) {
    const bodies = canvas.items
      ? canvas.items.flatMap((page) => page.items ?? []).map((annotation) => annotation.body)
      : (canvas.images ?? []).map((annotation) => annotation.resource);
    for (const body of bodies) {
      const services = [body?.service ?? []].flat();
      const service = services.find((candidate) => idOf(candidate));
      if (service) {
        images.push({
          label: labelOf(canvas.label) || idOf(canvas),
          service: idOf(service),
          thumbnail: thumbnailOf(canvas),
        });
      }
    }
  }
  return images;
}

function describeIdMismatch(document) {
  if (!document.id) return undefined;
  const servedAt = new URL(document.path, location.origin).href;
  if (document.id === servedAt) return undefined;
  return `Its id is ${document.id}, not ${servedAt}: viewers follow the ids, so they load from there. Run with DEST_URL=${location.origin} to look at it here.`;
}

async function showListing() {
  $('listing').hidden = false;
  const status = $('listing-status');
  let found;
  try {
    found = await fetchJson(`${PREVIEW}api/documents.json`);
  } catch (error) {
    status.textContent = `Cannot list the served folder: ${error.message}`;
    status.className = 'status error';
    return;
  }
  const { collections, manifests, truncated } = found;
  status.textContent =
    collections.length + manifests.length === 0
      ? 'No collection.json or manifest.json under the served folder yet.'
      : `${collections.length} collection(s), ${manifests.length} manifest(s)${truncated ? ' (the search stopped early: the folder is large)' : ''}.`;
  for (const collection of collections) $('collections').append(collectionCard(collection));
  $('manifest-count').textContent = String(manifests.length);
  $('manifests-block').hidden = manifests.length === 0;
  for (const manifest of manifests) {
    const url = manifest.id ?? new URL(manifest.path, location.origin).href;
    $('manifests').append(
      element(
        'li',
        {},
        previewLink('manifest', url, manifest.label),
        ' ',
        element('span', { className: 'path', textContent: manifest.path }),
      ),
    );
  }
  state.listed = { collections: collections.length, manifests: manifests.length };
  await showRuns();
  document.body.dataset.ready = 'listing';
}

/** The runs recorded under a served local root, each a link to its QC page. */
async function showRuns() {
  let runs;
  try {
    runs = await fetchJson(`${PREVIEW}api/runs.json`);
  } catch {
    return;
  }
  if (runs.length === 0) return;
  $('runs-block').hidden = false;
  for (const run of runs) {
    $('runs').append(
      element(
        'li',
        {},
        element('a', {
          href: `${PREVIEW}runs/${encodeURIComponent(run.runId)}`,
          textContent: `QC page of ${run.runId}`,
        }),
        ` · ${run.collectionId} · ${run.createdAt}`,
      ),
    );
  }
}

function collectionCard(collection) {
  const url = collection.id ?? new URL(collection.path, location.origin).href;
  const card = element(
    'article',
    { className: 'collection' },
    element('h2', { textContent: collection.label }),
    element('div', { className: 'path', textContent: collection.path }),
  );
  if (collection.error) {
    card.append(element('p', { className: 'error', textContent: `Unreadable: ${collection.error}` }));
    return card;
  }
  const mismatch = describeIdMismatch(collection);
  if (mismatch) card.append(element('p', { className: 'warning', textContent: mismatch }));
  card.append(element('p', { className: 'actions' }, previewLink('collection', url, 'Open the collection in Mirador')));
  const holder = element(
    'div',
    { className: 'grid-holder' },
    element('p', { className: 'status', textContent: 'Loading…' }),
  );
  card.append(holder);
  fetchJson(collection.path)
    .then((json) => {
      const entries = manifestsOf(json).map((manifest) => ({
        label: manifest.label,
        thumbnail: manifest.thumbnail,
        href: `${PREVIEW}?manifest=${encodeURIComponent(manifest.id)}`,
        extra: { text: 'pages', href: `${PREVIEW}?item=${encodeURIComponent(manifest.id)}` },
        manifest: manifest.id,
      }));
      holder.replaceChildren(thumbnailGrid(entries, 'items'));
    })
    .catch((error) => holder.replaceChildren(element('p', { className: 'error', textContent: error.message })));
  return card;
}

/** Fill in a thumbnail that a collection entry lacks from its manifest, once it scrolls into view. */
const lateThumbnails =
  'IntersectionObserver' in window
    ? new IntersectionObserver((entries, observer) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          observer.unobserve(entry.target);
          const img = entry.target;
          fetchJson(img.dataset.manifest)
            .then((manifest) => {
              const url = thumbnailOf(manifest) ?? imagesOf(manifest)[0]?.thumbnail;
              if (url) img.src = url;
            })
            .catch(() => img.classList.add('broken'));
        }
      })
    : undefined;

/**
 * A grid of labelled thumbnails with a filter box over the labels and a pager: only GRID_PAGE
 * cards exist at once, and their images load lazily (`loading="lazy"`) as they scroll into view.
 */
function thumbnailGrid(entries, kind) {
  const filter = element('input', {
    type: 'search',
    className: 'grid-filter',
    placeholder: `Filter ${entries.length} ${kind} by label`,
  });
  filter.setAttribute('aria-label', `Filter ${kind} by label`);
  const count = element('span', { className: 'grid-count' });
  const grid = element('div', { className: 'thumb-grid' });
  const previous = element('button', { type: 'button', textContent: 'Previous' });
  const next = element('button', { type: 'button', textContent: 'Next' });
  const pageLabel = element('span');
  const pager = element('div', { className: 'pager' }, previous, pageLabel, next);
  const view = { page: 0, text: '' };
  const render = () => {
    const matching = entries.filter((entry) => entry.label.toLowerCase().includes(view.text));
    const pages = Math.max(1, Math.ceil(matching.length / GRID_PAGE));
    view.page = Math.min(view.page, pages - 1);
    const shown = matching.slice(view.page * GRID_PAGE, (view.page + 1) * GRID_PAGE);
    grid.replaceChildren(...shown.map(thumbnailCard));
    count.textContent = `${matching.length} of ${entries.length} ${kind}`;
    pageLabel.textContent = `page ${view.page + 1} of ${pages}`;
    previous.disabled = view.page === 0;
    next.disabled = view.page >= pages - 1;
    pager.hidden = pages === 1;
    if (entries.length === 0) grid.replaceChildren(element('p', { textContent: `No ${kind} listed.` }));
  };
  filter.addEventListener('input', () => {
    view.text = filter.value.trim().toLowerCase();
    view.page = 0;
    render();
  });
  previous.addEventListener('click', () => {
    view.page -= 1;
    render();
  });
  next.addEventListener('click', () => {
    view.page += 1;
    render();
  });
  render();
  return element(
    'div',
    { className: 'grid-block' },
    element('div', { className: 'grid-tools' }, filter, count),
    grid,
    pager,
  );
}

function thumbnailCard(entry) {
  const img = element('img', { alt: entry.label, loading: 'lazy', decoding: 'async' });
  if (entry.thumbnail) img.src = entry.thumbnail;
  else if (entry.manifest && lateThumbnails) {
    img.dataset.manifest = entry.manifest;
    lateThumbnails.observe(img);
  }
  const card = element(
    'figure',
    { className: 'thumb-card' },
    element('a', { href: entry.href, className: 'thumb-link', title: entry.label }, img),
    element('figcaption', {}, element('a', { href: entry.href, textContent: entry.label })),
  );
  if (entry.extra)
    card.append(element('a', { className: 'extra', href: entry.extra.href, textContent: entry.extra.text }));
  return card;
}

async function showItem(url) {
  state.mode = 'item';
  $('listing').hidden = false;
  const status = $('listing-status');
  const manifest = await fetchJson(url);
  const label = labelOf(manifest.label) || url;
  $('listing-title').textContent = label;
  status.replaceChildren(previewLink('manifest', url, 'Open the item in Mirador'));
  const entries = imagesOf(manifest).map((image) => ({
    label: image.label,
    thumbnail: image.thumbnail,
    href: `${PREVIEW}?image=${encodeURIComponent(`${image.service}/info.json`)}`,
  }));
  $('collections').append(thumbnailGrid(entries, 'pages'));
  state.listed = { pages: entries.length };
  document.body.dataset.ready = 'item';
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = element('script', { src });
    script.onload = resolve;
    script.onerror = () => reject(new Error(`Cannot load ${src}`));
    document.head.append(script);
  });
}

function showViewerPanel(text) {
  $('viewer-panel').hidden = false;
  $('viewer-status').textContent = text;
}

async function showMirador(kind, url) {
  state.mode = kind;
  showViewerPanel(`Mirador: ${kind} ${url}`);
  $('viewer').classList.add('mirador-host');
  await loadScript(`${PREVIEW}mirador.min.js`);
  state.viewer = window.Mirador.viewer({
    id: 'viewer',
    windows: [{ manifestId: url }],
    catalog: [{ manifestId: url }],
    window: { allowClose: false, sideBarOpen: kind === 'manifest', defaultSideBarPanel: 'info' },
    thumbnailNavigation: { defaultPosition: 'far-bottom' },
    workspaceControlPanel: { enabled: false },
    osdConfig: { drawer: 'canvas', crossOriginPolicy: 'Anonymous' },
  });
  document.body.dataset.ready = kind;
}

async function showOpenSeadragon(url) {
  state.mode = 'image';
  const infoUrl = /\/info\.json$/.test(url) ? url : `${url.replace(/\/$/, '')}/info.json`;
  showViewerPanel(`OpenSeadragon: ${infoUrl}`);
  await loadScript(`${PREVIEW}openseadragon/openseadragon.min.js`);
  const info = await fetchJson(infoUrl);
  const viewer = window.OpenSeadragon({
    id: 'viewer',
    prefixUrl: `${PREVIEW}openseadragon/images/`,
    tileSources: info,
    drawer: 'canvas',
    crossOriginPolicy: 'Anonymous',
    showNavigator: true,
    maxZoomPixelRatio: 2,
  });
  state.viewer = viewer;
  const tiles = info.tiles?.[0] ?? {};
  const describe = () =>
    `OpenSeadragon: ${infoUrl} · ${info.width}×${info.height} px · tiles ${tiles.width ?? '?'}×${tiles.height ?? tiles.width ?? '?'}, ` +
    `scale factors ${(tiles.scaleFactors ?? []).join(', ')} · loaded ${state.tiles.loaded}, failed ${state.tiles.failed}`;
  viewer.addHandler('tile-loaded', () => {
    state.tiles.loaded += 1;
    $('viewer-status').textContent = describe();
  });
  viewer.addHandler('tile-load-failed', (event) => {
    state.tiles.failed += 1;
    $('viewer-status').textContent = `${describe()} · last failure: ${event.message}`;
  });
  viewer.addHandler('open', () => {
    $('viewer-status').textContent = describe();
    document.body.dataset.ready = 'image';
  });
  viewer.addHandler('open-failed', (event) => {
    state.error = event.message;
    $('viewer-status').textContent = `Cannot open ${infoUrl}: ${event.message}`;
    $('viewer-status').className = 'status error';
  });
}

function setUpOpenForm() {
  $('open-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const kind = $('open-kind').value;
    location.href = `${PREVIEW}?${kind}=${encodeURIComponent($('open-url').value.trim())}`;
  });
}

async function main() {
  setUpOpenForm();
  const query = new URLSearchParams(location.search);
  try {
    if (query.has('collection')) await showMirador('collection', query.get('collection'));
    else if (query.has('manifest')) await showMirador('manifest', query.get('manifest'));
    else if (query.has('image')) await showOpenSeadragon(query.get('image'));
    else if (query.has('item')) await showItem(query.get('item'));
    else await showListing();
  } catch (error) {
    state.error = error.message;
    showViewerPanel(error.message);
    $('viewer-status').className = 'status error';
  }
}

main();
