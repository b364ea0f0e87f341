// The QC page of one run: plain browser JavaScript inlined into a self-contained HTML file (no
// build step, no network but the published thumbnails). The data is the JSON in #qc-data.
// `window.iiifQc` exposes what is shown (filters, page, visible cards) for people and tests.

const data = JSON.parse(document.getElementById('qc-data').textContent);
const PAGE_SIZE = 200;
const state = { flag: '', status: '', item: '', text: '', page: 0, shown: [] };
window.iiifQc = state;

const $ = (id) => document.getElementById(id);

function element(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(properties)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else node[key] = value;
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

function option(value, text) {
  return element('option', { value, textContent: text });
}

function matches(image) {
  if (state.flag === '*' && image.flags.length === 0) return false;
  if (state.flag && state.flag !== '*' && !image.flags.includes(state.flag)) return false;
  if (state.status && image.status !== state.status) return false;
  if (state.item && image.item !== state.item) return false;
  if (state.text) {
    const text = `${image.item} ${image.name} ${image.sourceKey}`.toLowerCase();
    if (!text.includes(state.text)) return false;
  }
  return true;
}

function card(image) {
  const broken = image.status === 'failed' || image.status === 'missing';
  const classes = ['card', image.status];
  if (image.flags.length > 0) classes.push('flagged');
  const thumb = image.thumbnail
    ? element('img', {
        src: image.thumbnail,
        loading: 'lazy',
        alt: `${image.item} / ${image.name}`,
        width: image.width >= image.height ? 180 : Math.round((180 * image.width) / image.height),
      })
    : element('div', { className: 'none', textContent: image.reason ?? 'no image' });
  const link = image.service ? element('a', { href: viewerUrl(image), title: 'Open the image' }, thumb) : thumb;
  const meta = [
    image.width ? `${image.width}×${image.height} px` : undefined,
    image.seconds !== undefined ? `${image.seconds} s` : undefined,
  ].filter(Boolean);
  return element(
    'article',
    { className: classes.join(' '), dataset: { item: image.item, name: image.name, flags: image.flags.join(' ') } },
    element('div', { className: 'thumb' }, link),
    element('div', { className: 'name', textContent: image.name }),
    element('div', { className: 'meta', textContent: `${image.item}${meta.length ? ` · ${meta.join(' · ')}` : ''}` }),
    element(
      'div',
      { className: 'badges' },
      ...(broken || image.status === 'skipped'
        ? [element('span', { className: 'badge status', textContent: image.status })]
        : []),
      ...image.flags.map((flag) => element('span', { className: 'badge', textContent: flag })),
    ),
  );
}

function viewerUrl(image) {
  // On the preview server the page opens OpenSeadragon; a saved file links the published info.json.
  return data.viewer
    ? `${data.viewer}${encodeURIComponent(`${image.service}/info.json`)}`
    : `${image.service}/info.json`;
}

function render() {
  const filtered = data.images.filter(matches);
  const pages = Math.max(1, Math.ceil(filtered.length / PAGE_SIZE));
  state.page = Math.min(state.page, pages - 1);
  const slice = filtered.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
  state.shown = slice.map((image) => `${image.item}/${image.name}`);
  state.matching = filtered.length;
  $('grid').replaceChildren(...slice.map(card));
  $('match-count').textContent = `${filtered.length} of ${data.images.length} images`;
  $('page-label').textContent = `page ${state.page + 1} of ${pages}`;
  $('prev').disabled = state.page === 0;
  $('next').disabled = state.page >= pages - 1;
  document.body.dataset.ready = 'qc';
}

function setUpFilters() {
  const flags = [...new Set(data.images.flatMap((image) => image.flags))].sort();
  $('flag-filter').append(option('', 'any flag or none'), option('*', 'flagged'), ...flags.map((f) => option(f, f)));
  const statuses = [...new Set(data.images.map((image) => image.status))].sort();
  $('status-filter').append(option('', 'any status'), ...statuses.map((s) => option(s, s)));
  const items = [...new Set(data.images.map((image) => image.item))];
  $('item-filter').append(option('', 'any item'), ...items.map((i) => option(i, i)));
  const bind = (id, key, transform = (value) => value) =>
    $(id).addEventListener('input', (event) => {
      state[key] = transform(event.target.value);
      state.page = 0;
      render();
    });
  bind('flag-filter', 'flag');
  bind('status-filter', 'status');
  bind('item-filter', 'item');
  bind('text-filter', 'text', (value) => value.trim().toLowerCase());
  $('prev').addEventListener('click', () => {
    state.page -= 1;
    render();
  });
  $('next').addEventListener('click', () => {
    state.page += 1;
    render();
  });
}

setUpFilters();
render();
