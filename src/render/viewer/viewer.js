// viewer.js — ember's interactive flame graph viewer, embedded into every
// `ember view` HTML file (src/render/html.c) by scripts/embed-text, after
// data.js, format.js and flame_view.js, all inside one function scope that
// html.c opens ('use strict') and closes. This file is the application:
// state, page structure, tooltip, menu, search, table, sandwich, modes.
//
// Plain JavaScript on a canvas, no dependencies, no network. The profile is
// the JSON of the script element #ember-data (layout in src/render/html.h): a
// names table and per-node columns in preorder, decoded once into typed
// arrays.
//
// Design
// ------
// A Graph is a tree in preorder held in typed arrays: parent, depth, name,
// end (one past the last node of the subtree, so a subtree is the range
// [i, end[i])), self and total values, and x (where the node starts, in
// value units, children laid out left to right). The profile's merged tree,
// the flame chart (stacks in time order, never merged) and the two halves
// of the sandwich view are all Graphs, drawn by the same FlameView.
//
// Drawing a view zoomed on node z walks [z, end[z]) and skips the whole
// subtree of any node narrower than half a pixel, so the cost follows what
// is visible, not the profile's size. Hit testing descends from z through
// the children containing the pointer.
//
// Names are drawn with fillText and put into the page with textContent only.
  const timings = { start: performance.now() };

  // ---- the application -----------------------------------------------------------

  const profile = loadProfile();
  timings.decoded = performance.now();
  const names = profile.names;
  const data = profile.data;
  const diff = profile.diff;
  const shownTypes = profile.types.map((type, index) => index).filter((index) => !diff || index !== diff.before);

  const state = {
    type: Math.min(data.type || 0, profile.types.length - 1),
    palette: PALETTES[data.palette] ? data.palette : 'hot',
    mode: 'graph', // graph | both | table | sandwich
    chart: !!(data.flamechart && profile.timeline),
    focus: -1,      // name index of "Focus on this", or -1
    search: null,   // RegExp
    matchName: null, // Uint8Array over names
    sandwich: -1,   // name index
    sort: { key: 'self', descending: true },
    filter: '',
  };
  if (diff) state.type = diff.after;
  if (!shownTypes.includes(state.type)) state.type = shownTypes[0];

  let merged = null; // Graph of the merged tree for the current type and focus
  let chart = null;  // Graph of the flame chart (built on first use)
  let aggregates = null;
  let colorCache = new Array(names.length);
  let maxDelta = 0;

  function currentType() { return profile.types[state.type]; }

  function buildMerged() {
    let self = profile.types[state.type].self;
    let before = diff ? profile.types[diff.before].self : null;
    if (state.focus >= 0) {
      const kept = new Float64Array(profile.n);
      const keptBefore = before ? new Float64Array(profile.n) : null;
      for (let i = 1; i < profile.n;) {
        if (profile.name[i] === state.focus) {
          for (let j = i, e = profile.end[i]; j < e; j++) {
            kept[j] = self[j];
            if (keptBefore) keptBefore[j] = before[j];
          }
          i = profile.end[i];
        } else i++;
      }
      self = kept; before = keptBefore;
    }
    merged = makeGraph(profile.parent, profile.depth, profile.name, profile.end, self, before);
    aggregates = null;
    maxDelta = 0;
    if (merged.before) for (let i = 0; i < merged.n; i++) {
      const d = Math.abs(merged.total[i] - merged.before[i]);
      if (d > maxDelta) maxDelta = d;
    }
  }

  // The flame chart: each timeline sample's stack, consecutive samples
  // sharing a prefix share its boxes; x is the running sum of weights.
  function buildChart() {
    if (profile.timeline.times) return buildTimedChart();
    const t = profile.timeline;
    const trie = { count: 1, parent: [-1], name: [0], self: [0], depth: [0], start: [0] };
    let clock = 0; // the running sum of weights: where the next box starts
    const openTree = [0], openChart = [0];
    const path = [];
    for (let k = 0; k < t.count; k++) {
      path.length = 0;
      for (let node = t.node[k]; node > 0; node = profile.parent[node]) path.push(node);
      path.reverse();
      let same = 0;
      while (same < path.length && same + 1 < openTree.length && openTree[same + 1] === path[same]) same++;
      openTree.length = same + 1; openChart.length = same + 1;
      for (let d = same; d < path.length; d++) {
        const c = trie.count++;
        trie.parent.push(openChart[d]); trie.name.push(profile.name[path[d]]); trie.self.push(0); trie.depth.push(d + 1);
        trie.start.push(clock);
        openTree.push(path[d]); openChart.push(c);
      }
      trie.self[openChart[openChart.length - 1]] += t.weight[k];
      clock += t.weight[k];
    }
    const depth = Int32Array.from(trie.depth);
    const { parent, end } = treeFromDepths(depth);
    const graph = makeGraph(parent, depth, Int32Array.from(trie.name), end, Float64Array.from(trie.self), null);
    // x in time order: a box starts when its first sample does, so a
    // parent's own time shows between its children where it happened.
    graph.x = Float64Array.from(trie.start);
    return graph;
  }

  // The flame chart by time (the timeline has times: data.timeline.times,
  // placed by the rules of the SVG's chart): each thread's samples in
  // their band, in input order; consecutive samples sharing a prefix share
  // its boxes, a gap in time or a new band closes them all. x is
  // nanoseconds from the origin, total a box's duration (its first
  // sample's start to its last one's end); the root spans the whole time.
  // Bands are stacked bottom-up with an empty row between them: row =
  // band base + depth (graph.row, used by FlameView).
  function buildTimedChart() {
    const t = profile.timeline, times = t.times;
    const order = [];
    for (let k = 0; k < t.count; k++) if (times.end[k] > times.start[k]) order.push(k);
    order.sort((a, b) => times.band[a] - times.band[b] || a - b);
    const box = { name: [0], depth: [0], band: [0], start: [0], stop: [times.span] };
    const openTree = [0], openChart = [0];
    const path = [];
    let band = -1, lastEnd = -1;
    for (const k of order) {
      if (times.band[k] !== band || times.start[k] !== lastEnd) { openTree.length = 1; openChart.length = 1; }
      band = times.band[k];
      lastEnd = times.end[k];
      path.length = 0;
      for (let node = t.node[k]; node > 0; node = profile.parent[node]) path.push(node);
      path.reverse();
      let same = 0;
      while (same < path.length && same + 1 < openTree.length && openTree[same + 1] === path[same]) same++;
      openTree.length = same + 1; openChart.length = same + 1;
      for (let d = same; d < path.length; d++) {
        const c = box.name.length;
        box.name.push(profile.name[path[d]]); box.depth.push(d + 1); box.band.push(band);
        box.start.push(times.start[k]); box.stop.push(times.end[k]);
        openTree.push(path[d]); openChart.push(c);
      }
      for (let d = 1; d < openChart.length; d++) box.stop[openChart[d]] = times.end[k];
    }
    // boxes are made in preorder: only the open path gets children
    const depth = Int32Array.from(box.depth);
    const { parent, end } = treeFromDepths(depth);
    const m = depth.length;
    const duration = new Float64Array(m), self = new Float64Array(m);
    for (let i = 0; i < m; i++) duration[i] = self[i] = box.stop[i] - box.start[i];
    for (let i = 1; i < m; i++) self[parent[i]] -= duration[i];
    const graph = makeGraph(parent, depth, Int32Array.from(box.name), end, self, null);
    graph.total = duration;
    graph.x = Float64Array.from(box.start);
    const bandDepth = new Int32Array(times.bands + 1);
    for (let i = 1; i < m; i++) if (depth[i] > bandDepth[box.band[i]]) bandDepth[box.band[i]] = depth[i];
    const base = new Int32Array(times.bands + 1);
    for (let b = 1; b <= times.bands; b++) base[b] = base[b - 1] + bandDepth[b - 1] + 1;
    graph.row = new Int32Array(m);
    let maxRow = 0;
    for (let i = 1; i < m; i++) {
      graph.row[i] = base[box.band[i]] + depth[i];
      if (graph.row[i] > maxRow) maxRow = graph.row[i];
    }
    graph.maxRow = maxRow;
    graph.timed = true;
    return graph;
  }

  // A flame chart by time's tooltip line, as the SVG's:
  // "D us, from S to E UNIT, P%" (D in whole microseconds, nanoseconds
  // when the chart spans less than a millisecond; times from its start).
  function timedDuration(g, value) {
    const small = g.total[0] < 1e6;
    return groupDigits(value / (small ? 1 : 1e3)) + (small ? ' ns' : ' us');
  }
  function timedText(g, node) {
    const span = g.total[0];
    const duration = timedDuration(g, g.total[node]);
    const [scale, unit] = span < 1e3 ? [1, 'ns'] : span < 1e6 ? [1e3, 'us'] : span < 1e9 ? [1e6, 'ms'] : [1e9, 's'];
    const decimals = scale === 1e9 ? 6 : 3;
    const from = g.x[node] / scale, to = (g.x[node] + g.total[node]) / scale;
    return duration + ', from ' + from.toFixed(decimals) + ' to ' + to.toFixed(decimals) + ' ' + unit + ', ' +
      percent(g.total[node], span);
  }

  function mainGraph() { return state.chart ? chart : merged; }

  // hotcold: cold[i] = 1 when the off-CPU marker is node i or an ancestor
  // (one forward pass; parents precede children), per graph, on first use.
  function coldOf(graph) {
    if (!graph.cold) {
      const cold = graph.cold = new Uint8Array(graph.n);
      for (let i = 1; i < graph.n; i++) cold[i] = graph.name[i] === data.offcpu || cold[graph.parent[i]];
    }
    return graph.cold;
  }

  function colorOf(graph, i) {
    const nm = graph.name[i];
    if (state.matchName && state.matchName[nm]) return SEARCH_COLOR;
    if (graph.before) return diffColor(graph.total[i] - graph.before[i], maxDelta);
    if (state.palette === 'hotcold' && data.offcpu >= 0 && coldOf(graph)[i]) return coldColor(names[nm]);
    let c = colorCache[nm];
    if (c === undefined) c = colorCache[nm] = PALETTES[state.palette](names[nm]);
    return c;
  }

  // Per function: self = sum of self values, total = sum over the outermost
  // occurrences in each stack (recursion counted once).
  function computeAggregates() {
    const g = merged;
    const count = names.length;
    const self = new Float64Array(count), total = new Float64Array(count);
    const before = g.before ? new Float64Array(count) : null;
    const active = new Int32Array(count);
    const stack = new Int32Array(g.deepest + 2);
    let sp = 0;
    for (let i = 1; i < g.n; i++) {
      while (sp > 0 && g.end[stack[sp - 1]] <= i) active[g.name[stack[--sp]]]--;
      const nm = g.name[i];
      self[nm] += g.self[i];
      if (active[nm] === 0) {
        total[nm] += g.total[i];
        if (before) before[nm] += g.before[i];
      }
      active[nm]++;
      stack[sp++] = i;
    }
    return { self, total, before };
  }

  // ---- page structure ------------------------------------------------------------

  document.title = data.title;
  const header = element('header', {}, document.body);
  const toolbar = element('div', { className: 'toolbar' }, header);
  element('h1', { text: data.title }, toolbar);
  if (data.subtitle) element('span', { className: 'subtitle', id: 'subtitle', text: data.subtitle }, toolbar);
  const modeGroup = element('span', { className: 'group', role: 'tablist' }, toolbar);
  const modeButtons = {};
  for (const [mode, label] of [['graph', 'Flame graph'], ['both', 'Both'], ['table', 'Table'], ['sandwich', 'Sandwich']])
    modeButtons[mode] = element('button', { text: label, 'data-mode': mode }, modeGroup);
  const icicleButton = element('button', { text: 'Icicle', id: 'icicle' }, toolbar);
  const chartButton = element('button', { text: 'Flame chart', id: 'flamechart' }, toolbar);
  if (!profile.timeline) chartButton.style.display = 'none';
  const typeSelect = element('select', { id: 'sample-type', title: 'sample type' }, toolbar);
  for (const index of shownTypes) {
    const type = profile.types[index];
    element('option', { value: String(index), text: type.name + (type.unit ? ' (' + type.unit + ')' : '') }, typeSelect);
  }
  if (shownTypes.length < 2) typeSelect.style.display = 'none';
  const paletteSelect = element('select', { id: 'palette', title: 'palette' }, toolbar);
  for (const palette of Object.keys(PALETTES)) element('option', { value: palette, text: palette }, paletteSelect);
  if (diff) paletteSelect.style.display = 'none';
  const searchInput = element('input', { className: 'search', id: 'search', type: 'search', placeholder: 'Search (regex)', spellcheck: 'false' }, toolbar);
  const matchedText = element('span', { className: 'status', id: 'matched' }, toolbar);
  const legend = element('span', { className: 'legend', id: 'legend' }, toolbar);
  if (diff) {
    legend.style.display = 'inline-flex';
    element('span', { text: 'shrank (before > after)' }, legend);
    element('span', { className: 'bar' }, legend);
    element('span', { text: 'grew (after > before)' }, legend);
    element('span', { className: 'status', id: 'legend-max' }, legend);
  }
  const statusText = element('span', { className: 'status', id: 'status' }, toolbar);

  const breadcrumb = element('nav', { className: 'breadcrumb', id: 'breadcrumb' }, document.body);
  const mainArea = element('main', {}, document.body);
  const tablePanel = element('section', { className: 'panel table-panel', id: 'table-panel' }, mainArea);
  const tableTools = element('div', { className: 'table-tools' }, tablePanel);
  const filterInput = element('input', { id: 'table-filter', type: 'search', placeholder: 'Filter functions', spellcheck: 'false' }, tableTools);
  const tableScroll = element('div', { className: 'table-scroll' }, tablePanel);
  const table = element('table', { id: 'functions' }, tableScroll);
  const tableNote = element('div', { className: 'table-note', id: 'table-note' }, tablePanel);
  const graphPanel = element('section', { className: 'panel graph-panel', id: 'graph-panel' }, mainArea);
  const sandwichPanel = element('section', { className: 'panel sandwich-panel', id: 'sandwich-panel' }, mainArea);
  const sandwichTitle = element('h2', { id: 'sandwich-title' }, sandwichPanel);
  const sandwichEmpty = element('div', { className: 'empty', text: 'Right-click a frame or a table row and choose "Open in sandwich".' }, sandwichPanel);
  element('h2', { text: 'Callers' }, sandwichPanel);
  const callersHost = element('div', { id: 'callers' }, sandwichPanel);
  element('h2', { text: 'Callees' }, sandwichPanel);
  const calleesHost = element('div', { id: 'callees' }, sandwichPanel);
  const tooltip = element('div', { className: 'tooltip', id: 'tooltip' }, document.body);
  const menu = element('div', { className: 'menu', id: 'menu', role: 'menu' }, document.body);

  // In diff mode unchanged frames are white: a grey background keeps them visible.
  const viewOptions = { color: colorOf, names, onHover: showTooltip, onClick: clicked, onMenu: openMenu, background: diff ? '#dcdcdc' : '#fafafa' };
  const mainView = new FlameView(graphPanel, Object.assign({}, viewOptions));
  const callersView = new FlameView(callersHost, Object.assign({}, viewOptions, { icicle: false }));
  const calleesView = new FlameView(calleesHost, Object.assign({}, viewOptions, { icicle: true }));
  mainView.name = 'main'; callersView.name = 'callers'; calleesView.name = 'callees';

  // ---- tooltip ---------------------------------------------------------------------

  function showTooltip(view, node, event) {
    if (node < 0 || !event) { tooltip.style.display = 'none'; return; }
    const g = view.graph;
    const type = view === mainView && state.chart ? profile.types[0] : currentType();
    const whole = view === mainView ? mainGraph().total[0] : merged.total[0];
    tooltip.textContent = '';
    element('div', { className: 'name', text: names[g.name[node]] }, tooltip);
    const lines = [];
    if (g.timed) {
      lines.push(timedText(g, node));
      lines.push('Self: ' + timedDuration(g, g.self[node]));
    } else if (g.before) {
      const after = g.total[node], before = g.before[node];
      const change = after - before;
      lines.push('Before: ' + formatValue(before, type) + ' (' + percent(before, g.before[0]) + ')');
      lines.push('After: ' + formatValue(after, type) + ' (' + percent(after, g.total[0]) + ')');
      lines.push('Diff: ' + (change > 0 ? '+' : '') + formatValue(change, type) +
        (before ? ' (' + (change > 0 ? '+' : '') + ((100 * change) / before).toFixed(2) + '%)' : ' (new)'));
      lines.push('Self: ' + formatValue(g.self[node], type));
    } else {
      lines.push('Total: ' + formatValue(g.total[node], type) + ' (' + percent(g.total[node], whole) + ')');
      lines.push('Self: ' + formatValue(g.self[node], type) + ' (' + percent(g.self[node], whole) + ')');
      if (view.zoom !== 0 && g.total[view.zoom] && node !== view.zoom && view === mainView)
        lines.push('Of zoomed frame: ' + percent(g.total[node], g.total[view.zoom]));
    }
    for (const line of lines) element('div', { text: line }, tooltip);
    tooltip.style.display = 'block';
    const left = Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 4);
    const top = event.clientY + 18 + tooltip.offsetHeight > window.innerHeight ? event.clientY - tooltip.offsetHeight - 8 : event.clientY + 18;
    tooltip.style.left = Math.max(0, left) + 'px';
    tooltip.style.top = Math.max(0, top) + 'px';
  }

  // ---- zoom, breadcrumb --------------------------------------------------------------

  function clicked(view, node) {
    hideMenu();
    view.zoom = node;
    view.draw();
    if (view === mainView) { timings.lastZoom = mainView.lastRenderMs; updateBreadcrumb(); }
  }

  function updateBreadcrumb() {
    breadcrumb.textContent = '';
    const reset = element('button', { text: 'Reset', id: 'reset' }, breadcrumb);
    reset.addEventListener('click', resetView);
    const g = mainView.graph;
    const path = [];
    for (let a = mainView.zoom; a >= 0 && g.depth[a] >= g.depth[mainView.root]; a = g.parent[a]) path.push(a);
    path.reverse();
    if (mainView.root !== 0) element('span', { className: 'sep', text: '\u22ef ' + g.depth[mainView.root] + ' above collapsed \u203a' }, breadcrumb);
    path.forEach((node, index) => {
      if (index) element('span', { className: 'sep', text: '\u203a' }, breadcrumb);
      const crumb = element('button', { text: names[g.name[node]], className: 'crumb' }, breadcrumb);
      crumb.addEventListener('click', () => clicked(mainView, node));
    });
    if (state.focus >= 0) {
      const chip = element('span', { className: 'chip', id: 'focus-chip', text: 'Focus: ' + names[state.focus] + ' ' }, breadcrumb);
      const clear = element('button', { text: '\u00d7', title: 'clear focus' }, chip);
      clear.addEventListener('click', () => { state.focus = -1; rebuild(); });
    }
  }

  function resetView() {
    hideMenu();
    const refocus = state.focus >= 0;
    state.focus = -1;
    if (refocus) { rebuild(); return; }
    mainView.root = 0; mainView.zoom = 0; mainView.rows = (mainView.graph.row ? mainView.graph.maxRow : mainView.graph.maxDepth) + 1;
    drawMain();
  }

  // ---- context menu --------------------------------------------------------------------

  let menuTarget = null;
  const menuItems = {};
  for (const [action, label] of [['focus', 'Focus on this'], ['collapse', 'Collapse nodes above'], ['copy', 'Copy name'], ['sandwich', 'Open in sandwich']]) {
    const item = element('button', { text: label, 'data-action': action, role: 'menuitem' }, menu);
    menuItems[action] = item;
    item.addEventListener('click', () => menuAction(action));
  }
  function openMenu(view, node, event) {
    menuTarget = { view, node, name: view.graph.name[node] };
    showMenuAt(event, view === mainView && !state.chart, !state.chart);
  }
  function openNameMenu(nameIndex, event) {
    menuTarget = { view: null, node: -1, name: nameIndex };
    showMenuAt(event, false, true);
  }
  function showMenuAt(event, canCollapse, canFocus) {
    tooltip.style.display = 'none';
    menuItems.collapse.style.display = canCollapse ? '' : 'none';
    menuItems.focus.style.display = canFocus ? '' : 'none';
    menu.style.display = 'block';
    menu.style.left = Math.min(event.clientX, window.innerWidth - menu.offsetWidth - 4) + 'px';
    menu.style.top = Math.min(event.clientY, window.innerHeight - menu.offsetHeight - 4) + 'px';
  }
  function hideMenu() { menu.style.display = 'none'; }
  document.addEventListener('click', (event) => { if (!menu.contains(event.target)) hideMenu(); });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hideMenu();
    if ((event.ctrlKey || event.metaKey) && event.key === 'f') { event.preventDefault(); searchInput.focus(); }
  });

  let copyTimer = 0;
  function copyText(text) {
    const done = () => {
      statusText.textContent = 'Copied: ' + text;
      window.emberViewer.copied = text;
      clearTimeout(copyTimer);
      copyTimer = setTimeout(() => { statusText.textContent = ''; }, 4000);
    };
    const fallback = () => {
      const area = element('textarea', {}, document.body);
      area.value = text;
      area.select();
      try { document.execCommand('copy'); } catch (error) { /* the status still shows the name */ }
      area.remove();
      done();
    };
    if (navigator.clipboard && navigator.clipboard.writeText)
      navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  function menuAction(action) {
    hideMenu();
    const target = menuTarget;
    if (!target) return;
    if (action === 'focus') {
      state.focus = target.name;
      rebuild();
    } else if (action === 'collapse') {
      mainView.collapseAbove(target.node);
      drawMain();
    } else if (action === 'copy') {
      copyText(names[target.name]);
    } else if (action === 'sandwich') {
      openSandwich(target.name);
    }
  }

  // ---- search ------------------------------------------------------------------------

  function applySearch() {
    const text = searchInput.value;
    state.search = null;
    state.matchName = null;
    searchInput.classList.remove('invalid');
    if (text) {
      try {
        state.search = new RegExp(text);
      } catch (error) {
        searchInput.classList.add('invalid');
        matchedText.textContent = 'invalid regex';
        redrawAll();
        return;
      }
      const match = new Uint8Array(names.length);
      for (let i = 1; i < names.length; i++) match[i] = state.search.test(names[i]) ? 1 : 0;
      state.matchName = match;
    }
    updateMatched();
    redrawAll();
  }

  // Matched share: the totals of matching frames, a match nested inside a
  // match counted once (its subtree is skipped).
  function updateMatched() {
    if (!state.matchName) { matchedText.textContent = ''; return; }
    const g = mainGraph();
    let sum = 0;
    const spans = []; // by time: [start, end) of the matches, for their union
    for (let i = 1; i < g.n;) {
      if (state.matchName[g.name[i]] && g.total[i] > 0) {
        sum += g.total[i];
        if (g.timed) spans.push([g.x[i], g.x[i] + g.total[i]]);
        i = g.end[i];
      } else i++;
    }
    if (g.timed) {
      // the share of the time during which a match runs, in any band
      spans.sort((a, b) => a[0] - b[0]);
      sum = 0;
      let from = 0, to = -1;
      for (const [start, stop] of spans) {
        if (start > to) { if (to > from) sum += to - from; from = start; to = stop; } else if (stop > to) to = stop;
      }
      if (to > from) sum += to - from;
    }
    matchedText.textContent = 'Matched: ' + percent(sum, g.total[0]);
  }

  // ---- table -------------------------------------------------------------------------

  function renderTable() {
    if (!aggregates) aggregates = computeAggregates();
    const { self, total, before } = aggregates;
    const type = currentType();
    const whole = merged.total[0];
    table.textContent = '';
    const head = element('tr', {}, element('thead', {}, table));
    const columns = [['name', 'Function'], ['self', 'Self'], ['total', 'Total']];
    if (before) columns.push(['before', 'Before'], ['delta', 'Diff']);
    for (const [key, label] of columns) {
      const arrow = state.sort.key === key ? (state.sort.descending ? ' \u25bc' : ' \u25b2') : '';
      const th = element('th', { text: label + arrow, 'data-key': key, className: key === 'name' ? 'name' : '' }, head);
      th.addEventListener('click', () => {
        if (state.sort.key === key) state.sort.descending = !state.sort.descending;
        else state.sort = { key, descending: key !== 'name' };
        renderTable();
      });
    }
    const filter = state.filter.toLowerCase();
    const rows = [];
    for (let i = 1; i < names.length; i++)
      if (total[i] !== 0 || self[i] !== 0 || (before && before[i] !== 0))
        if (!filter || names[i].toLowerCase().includes(filter)) rows.push(i);
    const key = state.sort.key;
    const value = key === 'self' ? (i) => self[i] : key === 'total' ? (i) => total[i]
      : key === 'before' ? (i) => before[i] : key === 'delta' ? (i) => total[i] - before[i] : null;
    const sign = state.sort.descending ? -1 : 1;
    rows.sort(value ? (a, b) => sign * (value(a) - value(b)) || (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0)
      : (a, b) => sign * (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    const LIMIT = 1000;
    const body = element('tbody', {}, table);
    for (const i of rows.slice(0, LIMIT)) {
      const tr = element('tr', { 'data-name': String(i) }, body);
      if (state.sandwich === i) tr.className = 'selected';
      element('td', { className: 'name', text: names[i], title: names[i] }, tr);
      element('td', { text: formatValue(self[i], type) + ' (' + percent(self[i], whole) + ')' }, tr);
      element('td', { text: formatValue(total[i], type) + ' (' + percent(total[i], whole) + ')' }, tr);
      if (before) {
        element('td', { text: formatValue(before[i], type) }, tr);
        const change = total[i] - before[i];
        element('td', { text: (change > 0 ? '+' : '') + formatValue(change, type) }, tr);
      }
      tr.addEventListener('click', () => {
        searchInput.value = '^' + names[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';
        applySearch();
      });
      tr.addEventListener('dblclick', () => openSandwich(i));
      tr.addEventListener('contextmenu', (event) => { event.preventDefault(); openNameMenu(i, event); });
    }
    tableNote.textContent = rows.length > LIMIT ? 'Showing ' + LIMIT + ' of ' + rows.length + ' functions; filter to see others.'
      : rows.length + ' functions';
  }
  filterInput.addEventListener('input', () => { state.filter = filterInput.value; renderTable(); });

  // ---- sandwich ------------------------------------------------------------------------

  // Callers of f merged above it (an inverted tree: f, its callers, theirs...)
  // and callees below (f's subtrees merged), from the outermost occurrences
  // of f in the merged graph, so recursion counts once.
  function buildSandwich(f) {
    const g = merged;
    const withBefore = !!g.before;
    const callers = makeTrie(f), callees = makeTrie(f);
    const calleeOf = new Int32Array(g.n).fill(-1);
    for (let i = 1; i < g.n;) {
      if (g.name[i] !== f || g.total[i] === 0) { i++; continue; }
      // callers: the path up to the root, weighted by this occurrence's total
      let t = 0;
      for (let a = g.parent[i]; a > 0; a = g.parent[a]) t = trieChild(callers, t, g.name[a]);
      callers.self[t] += g.total[i];
      if (withBefore) callers.before[t] += g.before[i];
      // callees: the subtree merged by name path
      calleeOf[i] = 0;
      callees.self[0] += g.self[i];
      if (withBefore) callees.before[0] += g.before[i] - sumChildrenBefore(g, i);
      for (let j = i + 1, e = g.end[i]; j < e; j++) {
        const c = trieChild(callees, calleeOf[g.parent[j]], g.name[j]);
        calleeOf[j] = c;
        callees.self[c] += g.self[j];
        if (withBefore) callees.before[c] += g.before[j] - sumChildrenBefore(g, j);
      }
      i = g.end[i];
    }
    return { callers: graphFromTrie(callers, withBefore), callees: graphFromTrie(callees, withBefore) };
  }
  function sumChildrenBefore(g, node) {
    let sum = 0;
    for (let c = node + 1, e = g.end[node]; c < e; c = g.end[c]) sum += g.before[c];
    return sum;
  }

  function openSandwich(f) {
    state.sandwich = f;
    setMode('sandwich');
  }
  function renderSandwich() {
    const f = state.sandwich;
    const has = f >= 0;
    sandwichEmpty.style.display = has ? 'none' : '';
    callersHost.parentNode.querySelectorAll('h2').forEach((h) => { if (h !== sandwichTitle) h.style.display = has ? '' : 'none'; });
    callersHost.style.display = calleesHost.style.display = has ? '' : 'none';
    sandwichTitle.textContent = has ? 'Sandwich: ' + names[f] : 'Sandwich';
    if (!has) return;
    const { callers, callees } = buildSandwich(f);
    callersView.setGraph(callers);
    calleesView.setGraph(callees);
    callersView.draw();
    calleesView.draw();
    // the function itself in sight: the bottom of its callers, the top of its callees
    callersHost.scrollTop = callersHost.scrollHeight;
    calleesHost.scrollTop = 0;
  }

  // ---- modes and redraws -----------------------------------------------------------------

  function setMode(mode) {
    state.mode = mode;
    mainArea.className = 'mode-' + mode;
    breadcrumb.style.display = mode === 'graph' || mode === 'both' ? '' : 'none';
    for (const key in modeButtons) modeButtons[key].classList.toggle('active', key === mode);
    hideMenu();
    redrawAll();
    anchorScroll();
  }
  // Keeps the root in sight: the bottom of a flame graph, the top of an icicle.
  function anchorScroll() {
    graphPanel.scrollTop = mainView.icicle ? 0 : graphPanel.scrollHeight;
  }
  function drawMain() {
    if (state.mode === 'graph' || state.mode === 'both') {
      mainView.draw();
      timings.lastRender = mainView.lastRenderMs;
    }
    updateBreadcrumb();
    saveState();
  }
  function redrawAll() {
    drawMain();
    if (state.mode === 'table' || state.mode === 'both') renderTable();
    if (state.mode === 'sandwich') renderSandwich();
  }
  function rebuild() {
    buildMerged();
    if (state.chart && !chart) chart = buildChart();
    mainView.setGraph(mainGraph());
    if (diff) {
      const maxText = document.getElementById('legend-max');
      if (maxText) maxText.textContent = 'max change: ' + formatValue(maxDelta, currentType());
    }
    updateMatched();
    redrawAll();
    anchorScroll();
  }

  for (const mode in modeButtons) modeButtons[mode].addEventListener('click', () => setMode(mode));
  icicleButton.addEventListener('click', () => {
    mainView.icicle = !mainView.icicle;
    icicleButton.classList.toggle('active', mainView.icicle);
    drawMain();
    anchorScroll();
  });
  chartButton.addEventListener('click', () => {
    state.chart = !state.chart;
    if (state.chart && !chart) chart = buildChart();
    chartButton.classList.toggle('active', state.chart);
    mainView.setGraph(mainGraph());
    updateMatched();
    drawMain();
    anchorScroll();
  });
  typeSelect.addEventListener('change', () => {
    state.type = Number(typeSelect.value);
    rebuild();
  });
  paletteSelect.addEventListener('change', () => {
    state.palette = paletteSelect.value;
    colorCache = new Array(names.length);
    redrawAll();
  });
  searchInput.addEventListener('input', applySearch);
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(redrawAll, 50);
  });

  // ---- the view in the URL -------------------------------------------------------
  // Mode, sample type, palette, icicle, flame chart, focus, search, zoom and
  // sandwich are kept in location.hash as JSON, so a reload or a copied link
  // opens the same view. Only used as data: names are compared, never parsed
  // as markup.
  let restoring = true;
  function saveState() {
    if (restoring) return;
    const g = mainView.graph;
    const zoom = [];
    for (let a = mainView.zoom; a > 0; a = g.parent[a]) zoom.push(names[g.name[a]]);
    const saved = {
      mode: state.mode, type: profile.types[state.type].name, palette: state.palette,
      icicle: mainView.icicle, chart: state.chart,
      focus: state.focus >= 0 ? names[state.focus] : undefined,
      search: searchInput.value || undefined,
      zoom: zoom.length ? zoom.reverse() : undefined,
      sandwich: state.sandwich >= 0 ? names[state.sandwich] : undefined,
    };
    try {
      history.replaceState(null, '', '#' + encodeURIComponent(JSON.stringify(saved)));
    } catch (error) { /* some file:// contexts refuse; the view still works */ }
  }
  function readSavedState() {
    if (location.hash.length < 2) return null;
    try {
      const saved = JSON.parse(decodeURIComponent(location.hash.slice(1)));
      return saved && typeof saved === 'object' ? saved : null;
    } catch (error) {
      return null;
    }
  }
  const nameIndex = (text) => (typeof text === 'string' ? names.indexOf(text, 1) : -1);
  const saved = readSavedState();
  if (saved) {
    const type = shownTypes.find((index) => profile.types[index].name === saved.type);
    if (type !== undefined && !diff) state.type = type;
    if (PALETTES[saved.palette] && Object.prototype.hasOwnProperty.call(PALETTES, saved.palette)) state.palette = saved.palette;
    if (typeof saved.chart === 'boolean' && profile.timeline) state.chart = saved.chart;
    if (saved.icicle === true) { mainView.icicle = true; icicleButton.classList.add('active'); }
    if (nameIndex(saved.focus) > 0) state.focus = nameIndex(saved.focus);
  }

  typeSelect.value = String(state.type);
  paletteSelect.value = state.palette;
  chartButton.classList.toggle('active', state.chart);
  mainArea.className = 'mode-graph';
  modeButtons.graph.classList.add('active');
  buildMerged();
  if (state.chart) chart = buildChart();
  timings.laidOut = performance.now();
  mainView.setGraph(mainGraph());
  if (diff) {
    const maxText = document.getElementById('legend-max');
    if (maxText) maxText.textContent = 'max change: ' + formatValue(maxDelta, currentType());
  }
  drawMain();
  anchorScroll();
  timings.firstPaint = performance.now();
  if (saved) {
    if (typeof saved.search === 'string') { searchInput.value = saved.search; applySearch(); }
    if (Array.isArray(saved.zoom)) {
      const node = findPath(mainView, saved.zoom.map(String));
      if (node > 0) clicked(mainView, node);
    }
    if (nameIndex(saved.sandwich) > 0) state.sandwich = nameIndex(saved.sandwich);
    if (modeButtons[saved.mode] && Object.prototype.hasOwnProperty.call(modeButtons, saved.mode) && saved.mode !== 'graph') setMode(saved.mode);
  }
  restoring = false;

  // ---- the hooks tests and benchmarks use ----------------------------------------------------

  function findPath(view, path) {
    const g = view.graph;
    let node = 0;
    for (const part of path) {
      let found = -1;
      for (let c = node + 1, e = g.end[node]; c < e; c = g.end[c]) if (g.total[c] !== 0 && names[g.name[c]] === part) { found = c; break; }
      if (found < 0) return -1;
      node = found;
    }
    return node;
  }
  const views = { main: mainView, callers: callersView, callees: calleesView };
  window.emberViewer = {
    timings,
    copied: null,
    nodeCount: profile.n,
    // The box of the frame reached by following names from the root.
    frameBox(path, viewName) {
      const view = views[viewName || 'main'];
      const node = findPath(view, path);
      return node < 0 ? null : view.boxOf(node);
    },
    // Flame chart by time: every box of the main view (name, row, start
    // and end in ns from the origin, where it is drawn), else null.
    chartBoxes() {
      const g = mainView.graph;
      if (!g.timed) return null;
      const boxes = [];
      for (let i = 1; i < g.n; i++)
        boxes.push({ name: names[g.name[i]], row: g.row[i], start: g.x[i], end: g.x[i] + g.total[i], box: mainView.boxOf(i) });
      return boxes;
    },
    // The frame of the main view at page coordinates: its path and box.
    probe(clientX, clientY) {
      const rect = mainView.canvas.getBoundingClientRect();
      const node = mainView.nodeAtPoint(clientX - rect.left, clientY - rect.top);
      if (node < 0) return null;
      const g = mainView.graph, path = [];
      for (let a = node; a > 0; a = g.parent[a]) path.push(names[g.name[a]]);
      return Object.assign({ path: path.reverse() }, mainView.boxOf(node));
    },
    // Zooms the main view on the frame at path; returns the render time in ms.
    zoomTo(path) {
      const node = findPath(mainView, path);
      if (node < 0) return -1;
      clicked(mainView, node);
      return mainView.lastRenderMs;
    },
    state() {
      return {
        mode: state.mode, chart: state.chart, icicle: mainView.icicle, type: profile.types[state.type].name,
        palette: state.palette, focus: state.focus >= 0 ? names[state.focus] : null,
        zoom: names[mainView.graph.name[mainView.zoom]], root: names[mainView.graph.name[mainView.root]],
        sandwich: state.sandwich >= 0 ? names[state.sandwich] : null,
      };
    },
  };
  requestAnimationFrame(() => { timings.firstFrame = performance.now(); });
