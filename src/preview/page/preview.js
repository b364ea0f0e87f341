// The iiif-batch preview page: plain browser JavaScript, no build step.
//   /_preview/                   lists the collections and manifests found under the served folder
//   /_preview/?collection=URL    opens a collection in Mirador
//   /_preview/?manifest=URL      opens a manifest in Mirador
//   /_preview/?image=URL         opens an image service (its info.json or its id) in OpenSeadragon
// `window.iiifPreview` exposes the state of the page (mode, viewer, tile counts) for people and tests.

const PREVIEW = '/_preview/';
const state = { mode: 'listing', viewer: undefined, tiles: { loaded: 0, failed: 0 }, error: undefined };
window.iiifPreview = state;

const $ = (id) => document.getElementById(id);

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
    .map((entry) => ({ id: idOf(entry), label: labelOf(entry.label) || idOf(entry) }));
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
      if (service) images.push({ label: labelOf(canvas.label) || idOf(canvas), service: idOf(service) });
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
  document.body.dataset.ready = 'listing';
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
  const list = element('ul', { className: 'items' });
  card.append(list);
  fetchJson(collection.path)
    .then((json) => {
      for (const manifest of manifestsOf(json)) list.append(itemEntry(manifest));
      if (list.childElementCount === 0) list.append(element('li', { textContent: 'No manifests listed.' }));
    })
    .catch((error) => list.append(element('li', { className: 'error', textContent: error.message })));
  return card;
}

function itemEntry(manifest) {
  const images = element('ul', { className: 'images' });
  const toggle = element('a', { href: '#', textContent: 'images' });
  toggle.addEventListener('click', async (event) => {
    event.preventDefault();
    if (images.dataset.loaded) return;
    images.dataset.loaded = 'yes';
    try {
      const json = await fetchJson(manifest.id);
      for (const image of imagesOf(json)) {
        images.append(
          element('li', {}, previewLink('image', `${image.service}/info.json`, image.label || image.service)),
        );
      }
    } catch (error) {
      images.append(element('li', { className: 'error', textContent: error.message }));
    }
  });
  return element('li', {}, previewLink('manifest', manifest.id, manifest.label), ' · ', toggle, images);
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
    else await showListing();
  } catch (error) {
    state.error = error.message;
    showViewerPanel(error.message);
    $('viewer-status').className = 'status error';
  }
}

main();
