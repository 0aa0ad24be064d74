// data.js — part of ember's HTML viewer (see viewer.js): decoding the
// embedded profile (base64, LEB128 varints, value columns) into typed arrays,
// and building Graphs (trees in preorder) from it or from tries.
  // ---- decoding --------------------------------------------------------------

  function decodeBase64(text) {
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // LEB128 varints (up to 2^53) into a typed array of count elements.
  function decodeVarints(text, count, ArrayType) {
    const bytes = decodeBase64(text);
    const out = new ArrayType(count);
    let p = 0;
    for (let i = 0; i < count; i++) {
      let byte = bytes[p++];
      let value = byte & 127;
      if (byte >= 128) {
        let multiplier = 128;
        do {
          byte = bytes[p++];
          value += (byte & 127) * multiplier;
          multiplier *= 128;
        } while (byte >= 128);
      }
      out[i] = value;
    }
    return out;
  }

  function decodeColumn(column, count) {
    if (column.f64 !== undefined) {
      const bytes = decodeBase64(column.f64);
      return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 8 * count));
    }
    const values = decodeVarints(column.varint, count, Float64Array);
    for (let i = 0; i < count; i++) {
      const v = values[i];
      values[i] = v % 2 ? -(v + 1) / 2 : v / 2;
    }
    return values;
  }

  // Parent and subtree end of each node from the preorder depths.
  function treeFromDepths(depth) {
    const n = depth.length;
    const parent = new Int32Array(n);
    const end = new Int32Array(n);
    const stack = [];
    for (let i = 0; i < n; i++) {
      const d = depth[i];
      while (stack.length > d) end[stack.pop()] = i;
      parent[i] = d > 0 ? stack[d - 1] : -1;
      stack.push(i);
    }
    while (stack.length) end[stack.pop()] = n;
    return { parent, end };
  }

  function loadProfile() {
    const data = JSON.parse(document.getElementById('ember-data').textContent);
    const n = data.nodes;
    const depth = decodeVarints(data.depth, n, Int32Array);
    const name = decodeVarints(data.name, n, Int32Array);
    const { parent, end } = treeFromDepths(depth);
    const types = data.types.map((type) => ({ name: type.name, unit: type.unit, self: decodeColumn(type.values, n) }));
    let timeline = null;
    if (data.timeline) {
      const count = data.timeline.count;
      timeline = {
        count,
        node: decodeVarints(data.timeline.node, count, Int32Array),
        weight: decodeColumn(data.timeline.weight, count),
        times: null,
      };
      const times = data.timeline.times;
      if (times) {
        timeline.times = {
          origin: times.origin, span: times.span, bands: times.bands,
          band: decodeColumn(times.band, count),
          start: decodeColumn(times.start, count),
          end: decodeColumn(times.end, count),
        };
      }
    }
    return { data, n, names: data.names, depth, name, parent, end, types, diff: data.diff, timeline };
  }

  // ---- graphs ----------------------------------------------------------------

  // A Graph over preorder arrays; self (and before, for diffs) are self values.
  function makeGraph(parent, depth, name, end, self, beforeSelf) {
    const n = parent.length;
    const total = Float64Array.from(self);
    for (let i = n - 1; i > 0; i--) total[parent[i]] += total[i];
    const x = new Float64Array(n);
    const cursor = new Float64Array(n);
    let maxDepth = 0, deepest = 0;
    for (let i = 1; i < n; i++) {
      const p = parent[i];
      x[i] = cursor[p];
      cursor[p] += total[i];
      cursor[i] = x[i];
      if (depth[i] > deepest) deepest = depth[i];
      if (total[i] !== 0 && depth[i] > maxDepth) maxDepth = depth[i];
    }
    let before = null;
    if (beforeSelf) {
      before = Float64Array.from(beforeSelf);
      for (let i = n - 1; i > 0; i--) before[parent[i]] += before[i];
    }
    return { n, parent, depth, name, end, self, total, x, before, maxDepth, deepest };
  }

  // A trie built by insertion (child found by parent and name), then turned
  // into a preorder Graph with children in order of first insertion.
  function makeTrie(rootName) {
    return {
      count: 1, parent: [-1], name: [rootName], self: [0], before: [0],
      first: [-1], last: [-1], next: [-1], index: new Map(),
    };
  }
  function trieChild(trie, parent, name) {
    const key = parent * 4294967296 + name;
    let child = trie.index.get(key);
    if (child === undefined) {
      child = trie.count++;
      trie.index.set(key, child);
      trie.parent.push(parent); trie.name.push(name); trie.self.push(0); trie.before.push(0);
      trie.first.push(-1); trie.last.push(-1); trie.next.push(-1);
      if (trie.last[parent] < 0) trie.first[parent] = child; else trie.next[trie.last[parent]] = child;
      trie.last[parent] = child;
    }
    return child;
  }
  function graphFromTrie(trie, withBefore) {
    const m = trie.count;
    const order = new Int32Array(m);
    const depth = new Int32Array(m);
    const stack = [0];
    const trieDepth = new Int32Array(m);
    let k = 0;
    while (stack.length) {
      const t = stack.pop();
      order[k] = t; depth[k] = trieDepth[t]; k++;
      const children = [];
      for (let c = trie.first[t]; c >= 0; c = trie.next[c]) children.push(c);
      for (let j = children.length - 1; j >= 0; j--) { trieDepth[children[j]] = trieDepth[t] + 1; stack.push(children[j]); }
    }
    const { parent, end } = treeFromDepths(depth);
    const name = new Int32Array(m), self = new Float64Array(m), before = withBefore ? new Float64Array(m) : null;
    for (let i = 0; i < m; i++) {
      name[i] = trie.name[order[i]];
      self[i] = trie.self[order[i]];
      if (before) before[i] = trie.before[order[i]];
    }
    return makeGraph(parent, depth, name, end, self, before);
  }

