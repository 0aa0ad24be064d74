// bench/viewer.mjs — measures `ember view`'s HTML viewer in headless Chromium:
// load + first paint, and the time a click-to-zoom takes to re-render.
//
//   node bench/viewer.mjs VIEW.html [SVG...]     (bench/viewer.sh runs it)
//
// For the HTML, over RUNS fresh page loads (default 3): the viewer's own
// performance.now() marks (milliseconds since navigation start) — data
// decoded, layout done, first paint drawn, the next animation frame — then
// a series of clicks: on the root's widest child, on the widest child of
// that, three levels down, then back on the root (everything visible
// again), each timed around the synchronous click handler (hit test +
// redraw + breadcrumb). For each SVG given, the time to its load event
// (given up after SVG_TIMEOUT_MS, default 60000), for comparison. Prints a
// table and, with BENCH_OUT=FILE, writes the figures as JSON.
//
// Uses tests/browser's playwright-core (tests/browser/run installs it) and
// Debian's /usr/bin/chromium (CHROMIUM=...).
import { chromium } from '../tests/browser/node_modules/playwright-core/index.mjs';
import fs from 'node:fs';
import path from 'node:path';

const [html, ...svgs] = process.argv.slice(2);
if (!html) {
    console.error('usage: node bench/viewer.mjs VIEW.html [SVG...]');
    process.exit(2);
}
const RUNS = Number(process.env.RUNS || 3);
const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const median = (values) => { const s = [...values].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const results = { html: path.resolve(html), bytes: fs.statSync(html).size, loads: [], zooms: [], svgs: [] };

for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto('file://' + path.resolve(html), { timeout: 120000 });
    await page.waitForFunction(() => window.emberViewer && window.emberViewer.timings.firstFrame, null, { timeout: 120000 });
    if (errors.length) throw new Error(errors.join('\n'));
    const timings = await page.evaluate(() => ({ ...window.emberViewer.timings, nodes: window.emberViewer.nodeCount }));
    results.nodes = timings.nodes;
    results.loads.push(timings);
    // Zoom by clicking: the widest child at each level, three levels, then the root.
    const zooms = await page.evaluate(() => {
        const canvas = document.querySelector('#graph-panel canvas');
        const click = (x, y) => {
            const started = performance.now();
            canvas.dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true }));
            return performance.now() - started;
        };
        const out = [];
        let framePath = [];
        for (let level = 0; level < 3; level++) {
            // the widest child of the current frame, found through the viewer's hook
            // the widest child of the current frame: scan the row above it
            // (flame orientation) at 2-px steps through the viewer's probe hook
            let best = null;
            const parentBox = window.emberViewer.frameBox(framePath);
            const rect = canvas.getBoundingClientRect();
            const childY = parentBox.y - 9;
            for (let x = rect.left + 1; x < rect.right; x += 2) {
                const found = window.emberViewer.probe(x, childY);
                if (found && (!best || found.width > best.width)) best = found;
            }
            if (!best) break;
            framePath = best.path;
            const ms = click(best.x + best.width / 2, best.y + 5);
            out.push({ level: level + 1, frame: best.path[best.path.length - 1], ms, render: window.emberViewer.timings.lastZoom });
        }
        const rootBox = window.emberViewer.frameBox([]);
        const ms = click(rootBox.x + 5, rootBox.y + 5);
        out.push({ level: 0, frame: 'all (unzoom)', ms, render: window.emberViewer.timings.lastZoom });
        return out;
    });
    results.zooms.push(zooms);
    await page.close();
}

for (const svg of svgs) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const started = Date.now();
    let ms = null, error = null;
    try {
        await page.goto('file://' + path.resolve(svg), { waitUntil: 'load', timeout: Number(process.env.SVG_TIMEOUT_MS || 60000) });
        ms = Date.now() - started;
    } catch (caught) {
        error = String(caught).split('\n')[0];
    }
    results.svgs.push({ svg: path.resolve(svg), bytes: fs.statSync(svg).size, loadMs: ms, error });
    await page.close();
}
await browser.close();

const fmt = (v) => (v === null || v === undefined ? '-' : v.toFixed(1));
console.log(`HTML ${results.html}: ${(results.bytes / 1e6).toFixed(2)} MB, ${results.nodes} nodes`);
console.log('run  decoded  laid-out  first-paint  next-frame   (ms since navigation start)');
results.loads.forEach((t, i) => console.log(`${String(i + 1).padEnd(4)} ${fmt(t.decoded).padStart(7)} ${fmt(t.laidOut).padStart(9)} ${fmt(t.firstPaint).padStart(12)} ${fmt(t.firstFrame).padStart(11)}`));
console.log(`median first paint ${fmt(median(results.loads.map((t) => t.firstPaint)))} ms, next frame ${fmt(median(results.loads.map((t) => t.firstFrame)))} ms`);
console.log('zoom clicks (handler ms / draw ms):');
results.zooms.forEach((zooms, i) => console.log(`  run ${i + 1}: ` + zooms.map((z) => `${z.level ? 'L' + z.level : 'root'} ${fmt(z.ms)}/${fmt(z.render)}`).join(', ')));
const allZooms = results.zooms.flat().map((z) => z.ms);
console.log(`zoom re-render: median ${fmt(median(allZooms))} ms, max ${fmt(Math.max(...allZooms))} ms`);
for (const s of results.svgs)
    console.log(`SVG ${s.svg}: ${(s.bytes / 1e6).toFixed(2)} MB, load ${s.loadMs === null ? s.error : s.loadMs + ' ms'}`);
if (process.env.BENCH_OUT) fs.writeFileSync(process.env.BENCH_OUT, JSON.stringify(results, null, 2));
