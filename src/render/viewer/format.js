// format.js — part of ember's HTML viewer (see viewer.js): values in the
// sample type's unit, percentages, and the palettes' colours.
  // ---- formatting --------------------------------------------------------------

  function groupDigits(value) {
    const negative = value < 0;
    let text = Math.abs(Math.round(value)).toString();
    let out = '';
    while (text.length > 3) { out = ',' + text.slice(-3) + out; text = text.slice(0, -3); }
    return (negative ? '-' : '') + text + out;
  }
  function formatNumber(value) {
    if (Number.isInteger(value)) return groupDigits(value);
    return Math.abs(value) >= 100 ? groupDigits(value) : String(Math.round(value * 100) / 100);
  }
  function scaled(value, steps) {
    let i = 0;
    while (i + 1 < steps.length && Math.abs(value) >= steps[i + 1][0]) i++;
    const [factor, unit] = steps[i];
    const v = value / factor;
    return (factor === 1 ? formatNumber(v) : v.toFixed(2)) + ' ' + unit;
  }
  const BYTES = [[1, 'B'], [1024, 'KiB'], [1048576, 'MiB'], [1073741824, 'GiB'], [1099511627776, 'TiB']];
  const NANOS = [[1, 'ns'], [1e3, 'µs'], [1e6, 'ms'], [1e9, 's']];
  // "1,234 samples", "1.50 MiB", "12.00 ms"
  function formatValue(value, type) {
    switch (type.unit) {
      case 'bytes': return scaled(value, BYTES);
      case 'nanoseconds': return scaled(value, NANOS);
      case 'microseconds': return scaled(value * 1e3, NANOS);
      case 'milliseconds': return scaled(value * 1e6, NANOS);
      case 'seconds': return scaled(value * 1e9, NANOS);
      default: {
        const label = type.unit && type.unit !== 'count' ? type.unit : type.name || 'samples';
        return formatNumber(value) + ' ' + label;
      }
    }
  }
  function percent(value, whole) {
    return whole ? ((100 * value) / whole).toFixed(2) + '%' : '0.00%';
  }

  // ---- colours ---------------------------------------------------------------

  function nameHash(text, seed) {
    let h = 2166136261 ^ seed;
    for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619); }
    h ^= h >>> 13; h = Math.imul(h, 0x5bd1e995); h ^= h >>> 15;
    return (h >>> 0) / 4294967296;
  }
  // The package or module of a frame name: "lib.so`f" -> lib.so, "pkg/path.Func"
  // -> pkg/path, "ns::Class::f" -> ns, "f (file.py:3)" -> file.py, "a.b.c" -> a.b.
  function packageOf(text) {
    let m = /^([^`]+)`/.exec(text);
    if (m) return m[1];
    m = /\(([^():]+)(?::\d+)?\)\s*$/.exec(text);
    if (m) return m[1];
    const call = text.replace(/\(.*$/, '');
    if (call.includes('::')) return call.split('::')[0];
    const slash = call.lastIndexOf('/');
    const dot = call.indexOf('.', slash + 1);
    if (dot > 0) return call.slice(0, dot);
    return slash > 0 ? call.slice(0, slash) : call;
  }
  const PALETTES = {
    hot(text) {
      const a = nameHash(text, 1), b = nameHash(text, 2), c = nameHash(text, 3);
      return `rgb(${205 + Math.floor(50 * c)},${Math.floor(230 * a)},${Math.floor(55 * b)})`;
    },
    mem(text) {
      const a = nameHash(text, 1), b = nameHash(text, 2);
      return `rgb(0,${190 + Math.floor(50 * b)},${Math.floor(210 * a)})`;
    },
    io(text) {
      const a = nameHash(text, 1), b = nameHash(text, 2);
      const r = 80 + Math.floor(60 * a);
      return `rgb(${r},${r},${190 + Math.floor(55 * b)})`;
    },
    // hot/cold: on-CPU frames as hot; off-CPU frames (the "[off-cpu]" marker
    // and what is above it) from coldColor, chosen by the caller.
    hotcold(text) { return PALETTES.hot(text); },
    package(text) {
      const pkg = packageOf(text);
      const hue = Math.floor(360 * nameHash(pkg, 7));
      const light = 62 + Math.floor(12 * nameHash(text, 9));
      return `hsl(${hue},60%,${light}%)`;
    },
  };
  // flamegraph.pl's blue palette, for off-CPU frames in hotcold
  function coldColor(text) {
    const a = nameHash(text, 1);
    const rg = 80 + Math.floor(60 * a);
    return `rgb(${rg},${rg},${205 + Math.floor(50 * a)})`;
  }
  const SEARCH_COLOR = 'rgb(230,0,230)';

  // Red where a frame grew (after > before), blue where it shrank, white when
  // unchanged; the strength is the change over the largest change in the graph.
  function diffColor(delta, maxDelta) {
    if (!maxDelta || delta === 0) return 'rgb(255,255,255)';
    const k = Math.round(210 * Math.min(1, Math.abs(delta) / maxDelta));
    return delta > 0 ? `rgb(255,${255 - k},${255 - k})` : `rgb(${255 - k},${255 - k},255)`;
  }

