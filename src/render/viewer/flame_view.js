// flame_view.js — part of ember's HTML viewer (see viewer.js): FlameView,
// one canvas drawing one Graph as a flame graph or icicle: zoom, collapse,
// hit testing and the box of a frame.
  // ---- DOM helpers -------------------------------------------------------------

  function element(tag, attributes, parentNode) {
    const e = document.createElement(tag);
    for (const key in attributes || {}) {
      if (key === 'text') e.textContent = attributes[key];
      else if (key === 'className') e.className = attributes[key];
      else e.setAttribute(key, attributes[key]);
    }
    if (parentNode) parentNode.appendChild(e);
    return e;
  }

  // ---- FlameView: one canvas drawing one Graph -----------------------------------

  const ROW = 18;
  const MIN_WIDTH = 0.5;
  const MERGED_COLOR = 'rgb(200,200,200)';
  const FONT = '11px ui-monospace, "DejaVu Sans Mono", Menlo, monospace';

  class FlameView {
    constructor(host, options) {
      this.host = host;
      this.options = options; // {color(graph, i), names, onHover, onClick, onMenu, icicle, background}
      this.canvas = element('canvas', {}, host);
      this.context = this.canvas.getContext('2d', { alpha: false });
      this.graph = null;
      this.zoom = 0;
      this.root = 0;
      this.icicle = !!options.icicle;
      this.rows = 1;
      this.lastRenderMs = 0;
      this.charWidth = 0;
      this.canvas.addEventListener('mousemove', (event) => this.hover(event));
      this.canvas.addEventListener('mouseleave', () => options.onHover(this, -1, null));
      this.canvas.addEventListener('click', (event) => {
        const node = this.nodeAt(event);
        if (node >= 0) options.onClick(this, node);
      });
      this.canvas.addEventListener('contextmenu', (event) => {
        const node = this.nodeAt(event);
        if (node < 0) return;
        event.preventDefault();
        options.onMenu(this, node, event);
      });
    }
    setGraph(graph) {
      this.graph = graph;
      this.zoom = 0;
      this.root = 0;
      this.rows = (graph.row ? graph.maxRow : graph.maxDepth) + 1;
    }
    // The row a node is drawn in: its depth, or in a flame chart by time
    // its thread band's base row plus its depth (graph.row).
    rowOf(i) {
      return this.graph.row ? this.graph.row[i] : this.graph.depth[i];
    }
    // Makes node the top of the view: the nodes above it are collapsed.
    collapseAbove(node) {
      const g = this.graph;
      let maxDepth = g.depth[node];
      for (let i = node, e = g.end[node]; i < e; i++) if (g.total[i] > 0 && g.depth[i] > maxDepth) maxDepth = g.depth[i];
      this.root = node;
      this.zoom = node;
      this.rows = maxDepth - g.depth[node] + 1;
    }
    // Canvas height in CSS pixels; browsers refuse canvases above ~32k
    // pixels, so a very deep graph is cut there (the deepest rows are lost
    // from view in a flame graph, which draws upward from the bottom).
    height() {
      const ratio = window.devicePixelRatio || 1;
      return Math.min(this.rows * ROW, Math.floor(32000 / ratio / ROW) * ROW);
    }
    width() {
      return Math.max(100, this.host.clientWidth || 800);
    }
    rowTop(row, height) {
      const level = row - this.rowOf(this.root);
      return this.icicle ? level * ROW : height - (level + 1) * ROW;
    }
    draw() {
      const started = performance.now();
      const g = this.graph;
      if (!g) return;
      const ratio = window.devicePixelRatio || 1;
      const width = this.width();
      const height = this.height();
      if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
        this.canvas.width = Math.round(width * ratio);
        this.canvas.height = Math.round(height * ratio);
        this.canvas.style.width = width + 'px';
        this.canvas.style.height = height + 'px';
      }
      const ctx = this.context;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.fillStyle = this.options.background || '#fafafa';
      ctx.fillRect(0, 0, width, height);
      ctx.font = FONT;
      ctx.textBaseline = 'middle';
      if (!this.charWidth) this.charWidth = ctx.measureText('mmmmmmmmmm').width / 10 || 7;
      const { total, x, end, depth, parent } = g;
      const z = this.zoom;
      this.drawnWidth = width;
      if (!(total[z] > 0)) { this.lastRenderMs = performance.now() - started; return; }
      const scale = width / total[z];
      const x0 = x[z];
      const rootDepth = depth[this.root];
      for (let a = z; a >= 0 && depth[a] >= rootDepth; a = parent[a]) this.box(a, 0, width, height);
      // Runs of adjacent sibling boxes each narrower than MIN_WIDTH are
      // merged into one grey box when together they are a pixel wide or more.
      let runDepth = -1, runLeft = 0, runRight = 0;
      const flush = () => {
        if (runDepth >= 0 && runRight - runLeft >= 1) {
          ctx.fillStyle = MERGED_COLOR;
          ctx.fillRect(runLeft, this.rowTop(runDepth, height), runRight - runLeft, ROW - 1);
        }
        runDepth = -1;
      };
      for (let i = z + 1, e = end[z]; i < e;) {
        const w = total[i] * scale;
        if (w < MIN_WIDTH) {
          if (w > 0) {
            const left = (x[i] - x0) * scale;
            if (runDepth !== this.rowOf(i) || left - runRight > 1e-6) { flush(); runDepth = this.rowOf(i); runLeft = left; }
            runRight = left + w;
          }
          i = end[i];
          continue;
        }
        flush();
        this.box(i, (x[i] - x0) * scale, w, height);
        i++;
      }
      flush();
      this.lastRenderMs = performance.now() - started;
    }
    box(i, left, w, height) {
      const ctx = this.context;
      const top = this.rowTop(this.rowOf(i), height);
      ctx.fillStyle = this.options.color(this.graph, i);
      ctx.fillRect(left, top, w > 2 ? w - 1 : w, ROW - 1);
      if (w > 3 * this.charWidth + 6) {
        const text = this.options.names[this.graph.name[i]];
        const fit = Math.floor((w - 6) / this.charWidth);
        const label = text.length <= fit ? text : text.slice(0, Math.max(0, fit - 2)) + '..';
        ctx.fillStyle = '#000';
        ctx.fillText(label, left + 3, top + ROW / 2);
      }
    }
    // The node under a mouse event, or -1.
    nodeAt(event) {
      const rect = this.canvas.getBoundingClientRect();
      return this.nodeAtPoint(event.clientX - rect.left, event.clientY - rect.top);
    }
    nodeAtPoint(px, py) {
      const g = this.graph;
      if (!g) return -1;
      const height = this.height();
      const level = this.icicle ? Math.floor(py / ROW) : Math.floor((height - py) / ROW);
      if (level < 0 || level >= this.rows || py < 0 || py >= height) return -1;
      if (g.row) return this.nodeAtRow(this.rowOf(this.root) + level, px);
      const target = g.depth[this.root] + level;
      const z = this.zoom;
      if (target <= g.depth[z]) {
        let a = z;
        while (g.depth[a] > target) a = g.parent[a];
        return a;
      }
      const width = this.drawnWidth || this.width();
      const scale = width / g.total[z];
      const value = g.x[z] + px / scale;
      let node = z;
      while (g.depth[node] < target) {
        let found = -1;
        for (let c = node + 1, e = g.end[node]; c < e; c = g.end[c]) {
          if (g.total[c] > 0 && value >= g.x[c] && value < g.x[c] + g.total[c]) { found = c; break; }
        }
        if (found < 0 || g.total[found] * scale < MIN_WIDTH) return -1;
        node = found;
      }
      return node;
    }
    // Flame chart by time: the node drawn in row at x = px (the zoomed
    // node, its ancestors, or a descendant wide enough to be drawn), or -1.
    nodeAtRow(row, px) {
      const g = this.graph;
      const z = this.zoom;
      for (let a = z; a >= 0; a = g.parent[a]) if (g.row[a] === row) return a;
      const scale = (this.drawnWidth || this.width()) / g.total[z];
      const value = g.x[z] + px / scale;
      for (let c = z + 1, e = g.end[z]; c < e; c++) {
        if (g.row[c] === row && g.total[c] > 0 && value >= g.x[c] && value < g.x[c] + g.total[c])
          return g.total[c] * scale < MIN_WIDTH ? -1 : c;
      }
      return -1;
    }
    // Where node is drawn, in page coordinates (for tests), or null.
    boxOf(node) {
      const g = this.graph;
      const rect = this.canvas.getBoundingClientRect();
      const height = this.height();
      const width = this.drawnWidth || this.width();
      let left = 0, w = width;
      const z = this.zoom;
      if (!(node <= z && g.end[node] > z)) {
        if (node < z || node >= g.end[z]) return null;
        const scale = width / g.total[z];
        left = (g.x[node] - g.x[z]) * scale;
        w = g.total[node] * scale;
      }
      if (g.depth[node] < g.depth[this.root]) return null;
      const top = this.rowTop(this.rowOf(node), height);
      return { x: rect.left + left, y: rect.top + top, width: w, height: ROW - 1 };
    }
    hover(event) {
      const node = this.nodeAt(event);
      this.options.onHover(this, node, event);
    }
  }

