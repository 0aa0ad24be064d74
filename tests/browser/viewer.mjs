// viewer.mjs — headless-Chromium test of `ember view`'s self-contained HTML
// viewer (src/render/html.c, src/render/viewer/viewer.js).
//
// Writes HTML files from tests/fixtures/html/ (hand-made folded profiles) and
// tests/fixtures/pprof/go-heap.pb.gz with the test build of ember, opens them
// from file:// in Debian's Chromium through playwright-core and checks what a
// user sees: the canvas draws (pixels), click to zoom and the breadcrumb,
// tooltip values, regex search and the matched share, the table (sorting,
// filter), the sandwich view (callers and callees), the right-click menu
// (focus, collapse, copy, sandwich), the icicle toggle, the sample-type
// switch, the differential view, the flame chart, hostile markup in names
// (nothing runs, the name shows literally) and that the page makes no
// network request at all. Every expected number is computed here from the
// fixture's lines. Prints one TAP line per check.
//
// Environment: EMBER (default build/test/ember), CHROMIUM (default
// /usr/bin/chromium), EMBER_VIEWER_ARTIFACTS (default: browser-artifacts/
// beside EMBER, e.g. build/test/browser-artifacts/) where screenshots are
// kept, WATCHDOG_SECONDS (default 180).
// Run it through tests/browser/run, which installs playwright-core.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
    EMBER, blockRequests, diag, finish, launchChromium, near, ok, runEmber, runFailure, startWatchdog, step, textOf,
} from './harness.mjs';

const ARTIFACTS = process.env.EMBER_VIEWER_ARTIFACTS || path.join(path.dirname(path.resolve(EMBER)), 'browser-artifacts');
const FIXTURES = path.resolve('tests/fixtures/html');
const HEAP = path.resolve('tests/fixtures/pprof/go-heap.pb.gz');
const SEARCH_RGB = [230, 0, 230];
const BACKGROUND_RGB = [250, 250, 250];

startWatchdog();

// ---- expectations from the fixtures ------------------------------------------
function readFolded(file) {
    return fs.readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter(Boolean).map((line) => {
        const fields = line.split(' ');
        const counts = [];
        while (fields.length > 1 && /^\d+$/.test(fields[fields.length - 1]) && counts.length < 2) counts.unshift(Number(fields.pop()));
        return { frames: fields.join(' ').split(';'), counts };
    });
}
const BASIC = readFolded('basic.folded');
const BASIC_TOTAL = BASIC.reduce((sum, line) => sum + line.counts[0], 0);
const XSS = BASIC.map((line) => line.frames[1]).find((name) => name.includes('</script>'));
const MARKUP = BASIC.map((line) => line.frames[1]).find((name) => name.includes('\u2028'));
// total and self of the frame at a path from the root (merged by path)
function pathValues(lines, prefix, column = 0) {
    let total = 0, self = 0;
    for (const { frames, counts } of lines) {
        if (frames.length < prefix.length || prefix.some((name, i) => frames[i] !== name)) continue;
        total += counts[column];
        if (frames.length === prefix.length) self += counts[column];
    }
    return { total, self };
}
// per function: self, and total over stacks containing it (once per stack)
function functionValues(lines, name) {
    let total = 0, self = 0;
    for (const { frames, counts } of lines) {
        if (frames.includes(name)) total += counts[0];
        if (frames[frames.length - 1] === name) self += counts[0];
    }
    return { total, self };
}
function matchedPercent(lines, re) {
    let matched = 0, all = 0;
    for (const { frames, counts } of lines) {
        all += counts[0];
        if (frames.some((name) => re.test(name))) matched += counts[0];
    }
    return ((100 * matched) / all).toFixed(2) + '%';
}
const pct = (value, whole) => ((100 * value) / whole).toFixed(2) + '%';

// ---- the HTML files ------------------------------------------------------------
const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-viewer-'));
fs.mkdirSync(ARTIFACTS, { recursive: true });
const files = {};
for (const [key, args] of [
    ['basic', ['view', path.join(FIXTURES, 'basic.folded'), '-o']],
    ['diff', ['view', path.join(FIXTURES, 'diff.folded'), '-o']],
    ['chart', ['view', '--flamechart', path.join(FIXTURES, 'chart.folded'), '-o']],
    ['heap', ['view', HEAP, '-o']],
    ['converted', ['convert', path.join(FIXTURES, 'basic.folded'), '-o']],
    ['trace', ['view', '--flamechart', path.resolve('tests/fixtures/chrome/hand-trace.json'), '-o']],
    ['focused', ['view', '--focus', '^compute$', path.join(FIXTURES, 'basic.folded'), '-o']],
]) {
    const out = path.join(workdir, `${key}.html`);
    const run = runEmber([...args, out]);
    const made = ok(run.status === 0 && fs.existsSync(out), `ember ${args[0]} writes ${key}.html`, runFailure(run));
    if (made) files[key] = out;
}
// `ember diff BEFORE AFTER -o x.html`: the two columns of diff.folded as two files
{
    const lines = readFolded('diff.folded');
    const before = path.join(workdir, 'before.folded'), after = path.join(workdir, 'after.folded');
    fs.writeFileSync(before, lines.filter((l) => l.counts[0]).map((l) => `${l.frames.join(';')} ${l.counts[0]}\n`).join(''));
    fs.writeFileSync(after, lines.filter((l) => l.counts[1]).map((l) => `${l.frames.join(';')} ${l.counts[1]}\n`).join(''));
    const out = path.join(workdir, 'diffcmd.html');
    const run = runEmber(['diff', before, after, '-o', out]);
    if (ok(run.status === 0 && fs.existsSync(out), 'ember diff -o x.html writes the viewer', `exit ${run.status}\n${(run.stderr || '').slice(0, 2000)}`))
        files.diffcmd = out;
}
// Tiny frames: 'big' and 3000 one-sample siblings, each far under half a
// pixel at 1200 px: they are drawn as one merged grey box.
{
    const tiny = path.join(workdir, 'tiny.folded');
    fs.writeFileSync(tiny, 'main;big 1000\n' + Array.from({ length: 3000 }, (_, i) => `main;t${i} 1\n`).join(''));
    const out = path.join(workdir, 'tiny.html');
    const run = runEmber(['view', tiny, '-o', out]);
    if (ok(run.status === 0, 'ember view writes tiny.html', run.stderr)) files.tiny = out;
}
if (!files.basic)
    finish();
{
    const html = fs.readFileSync(files.basic, 'utf8');
    ok(!html.includes('</script><img') && html.includes('\\u003c/script\\u003e\\u003cimg'),
        'the hostile name is escaped inside the data <script>');
    ok(!html.includes('\u2028') && html.includes('\\u2028'), 'U+2028 is escaped inside the data <script>');
    ok(html.split('<script').length === 3 && html.split('</script>').length === 3,
        'the file holds exactly the data and the viewer scripts');
}
{
    const bad = path.join(workdir, 'bad.html');
    const run = runEmber(['view', path.join(FIXTURES, 'basic.folded'), '--palette', 'nope', '-o', bad]);
    ok(run.status === 2 && /--palette nope/.test(run.stderr) && !fs.existsSync(bad), 'an unknown --palette is refused, nothing written', run.stderr);
    const noType = runEmber(['view', path.join(FIXTURES, 'basic.folded'), '-t', 'bytes', '-o', bad]);
    ok(noType.status === 1 && /no sample type 'bytes'/.test(noType.stderr) && !fs.existsSync(bad), 'an unknown --sample-type is refused, nothing written', noType.stderr);
}

// ---- the browser ---------------------------------------------------------------
const browser = await launchChromium({ width: 1200, height: 700 });
if (!browser)
    finish();
const foreignRequests = await blockRequests(browser.context, (url) => url.startsWith('file:'));
const page = browser.page;
const pageErrors = [];
const dialogs = [];
page.on('pageerror', (error) => pageErrors.push(String(error)));
page.on('console', (message) => { if (message.type() === 'error') pageErrors.push('console: ' + message.text()); });
page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
page.on('request', (request) => { if (!request.url().startsWith('file:')) foreignRequests.push(request.url()); });

async function open(key) {
    await page.goto('file://' + files[key]);
    await page.waitForFunction(() => window.emberViewer && window.emberViewer.timings.firstPaint);
}
async function screenshot(name) {
    await page.screenshot({ path: path.join(ARTIFACTS, `viewer-${name}.png`) });
}
const box = (framePath, view) => page.evaluate(([p, v]) => window.emberViewer.frameBox(p, v), [framePath, view]);
const state = () => page.evaluate(() => window.emberViewer.state());
// The canvas pixel at page coordinates (x, y) of the canvas under them.
const pixel = (x, y) => page.evaluate(([px, py]) => {
    const canvas = document.elementFromPoint(px, py);
    if (!canvas || canvas.tagName !== 'CANVAS') return null;
    const rect = canvas.getBoundingClientRect();
    const ratio = canvas.width / rect.width;
    const data = canvas.getContext('2d').getImageData(Math.floor((px - rect.left) * ratio), Math.floor((py - rect.top) * ratio), 1, 1).data;
    return [data[0], data[1], data[2]];
}, [x, y]);
async function hover(frameBox, fraction = 0.5) {
    await page.mouse.move(frameBox.x + Math.max(1, frameBox.width * fraction), frameBox.y + frameBox.height / 2);
    return page.evaluate(() => {
        const tip = document.getElementById('tooltip');
        return tip.style.display === 'none' ? null : [...tip.children].map((child) => child.textContent);
    });
}
const canvasWidth = () => page.evaluate(() => document.querySelector('#graph-panel canvas').getBoundingClientRect().width);
const text = (selector) => textOf(page, selector);
const sameColor = (a, b) => a && b && a.every((v, i) => Math.abs(v - b[i]) <= 1);
const isHot = (rgb) => rgb && rgb[0] >= 205 && rgb[2] <= 55; // the hot palette: red 205-255, blue 0-55

// ---- the flame graph ----------------------------------------------------------------
await step('flame graph draws', async () => {
    await open('basic');
    const width = await canvasWidth();
    const all = await box([]);
    const compute = await box(['main', 'compute']);
    const expected = pathValues(BASIC, ['main', 'compute']).total / BASIC_TOTAL;
    ok(all && near(all.width, width, 1), 'the root spans the canvas', all);
    ok(compute && near(compute.width, expected * width, 1.5), `compute is ${expected * 100}% of the width`, { compute, width });
    ok(compute && all && compute.y < all.y, 'flame orientation: children above the root', { compute, all });
    ok(isHot(await pixel(compute.x + compute.width / 2, compute.y + 5)), 'the compute box is painted in the hot palette', await pixel(compute.x + compute.width / 2, compute.y + 5));
    const hash = await box(['main', 'compute', 'hash']);
    ok(sameColor(await pixel(hash.x + hash.width / 2, hash.y - 9), BACKGROUND_RGB), 'above a leaf the canvas is background', await pixel(hash.x + hash.width / 2, hash.y - 9));
    ok(pageErrors.length === 0, 'no script errors', pageErrors);
    await screenshot('flamegraph');
});

await step('tooltips', async () => {
    const values = pathValues(BASIC, ['main', 'compute', 'sort']);
    const lines = await hover(await box(['main', 'compute', 'sort']));
    ok(lines && lines[0] === 'sort', 'the tooltip names the frame', lines);
    ok(lines && lines.includes(`Total: ${values.total} samples (${pct(values.total, BASIC_TOTAL)})`), 'tooltip total and %', lines);
    ok(lines && lines.includes(`Self: ${values.self} samples (${pct(values.self, BASIC_TOTAL)})`), 'tooltip self and %', lines);
    const xssLines = await hover(await box(['main', XSS]));
    ok(xssLines && xssLines[0] === XSS, 'a hostile name shows literally in the tooltip', xssLines);
});

await step('click to zoom, breadcrumb, reset', async () => {
    const compute = await box(['main', 'compute']);
    await page.mouse.click(compute.x + compute.width / 2, compute.y + 5);
    const crumbs = await page.evaluate(() => [...document.querySelectorAll('#breadcrumb .crumb')].map((b) => b.textContent));
    ok(JSON.stringify(crumbs) === JSON.stringify(['all', 'main', 'compute']), 'the breadcrumb shows all > main > compute', crumbs);
    const width = await canvasWidth();
    const computeTotal = pathValues(BASIC, ['main', 'compute']).total;
    const hash = await box(['main', 'compute', 'hash']);
    const hashTotal = pathValues(BASIC, ['main', 'compute', 'hash']).total;
    ok(hash && near(hash.width, (hashTotal / computeTotal) * width, 1.5), 'zoomed: hash spans its share of compute', { hash, width });
    const zoomedCompute = await box(['main', 'compute']);
    ok(zoomedCompute && near(zoomedCompute.width, width, 1), 'zoomed: compute spans the canvas');
    ok((await box(['main', 'parse'])) === null, 'zoomed: parse is out of view');
    const lines = await hover(hash);
    ok(lines && lines.includes(`Of zoomed frame: ${pct(hashTotal, computeTotal)}`), 'the tooltip gives the share of the zoomed frame', lines);
    await screenshot('zoomed');
    await page.click('#breadcrumb .crumb >> text=main');
    ok((await state()).zoom === 'main', 'a breadcrumb zooms out to main');
    await page.click('#reset');
    ok((await state()).zoom === 'all', 'Reset zooms out to the root');
});

await step('search', async () => {
    await page.fill('#search', '^(sort|cmp)$');
    ok((await text('#matched')) === `Matched: ${matchedPercent(BASIC, /^(sort|cmp)$/)}`, 'nested matches count once (sort contains cmp)', await text('#matched'));
    const sort = await box(['main', 'compute', 'sort']);
    ok(sameColor(await pixel(sort.x + sort.width / 2, sort.y + 3), SEARCH_RGB), 'matches are painted in the search colour', await pixel(sort.x + sort.width / 2, sort.y + 3));
    const lex = await box(['main', 'parse', 'lex']);
    ok(!sameColor(await pixel(lex.x + lex.width / 2, lex.y + 3), SEARCH_RGB), 'other frames keep their colour');
    await page.fill('#search', 'walk');
    ok((await text('#matched')) === `Matched: ${matchedPercent(BASIC, /walk/)}`, 'recursion counts once', await text('#matched'));
    await page.fill('#search', 'hash');
    ok((await text('#matched')) === `Matched: ${matchedPercent(BASIC, /hash/)}`, 'matches under two callers add up', await text('#matched'));
    await screenshot('search');
    await page.fill('#search', '(');
    ok(await page.evaluate(() => document.getElementById('search').classList.contains('invalid')), 'an invalid regex is flagged');
    await page.fill('#search', '');
    ok((await text('#matched')) === '', 'clearing the search clears the share');
});

await step('right-click menu', async () => {
    const sort = await box(['main', 'compute', 'sort']);
    await page.mouse.click(sort.x + 4, sort.y + 5, { button: 'right' });
    const items = await page.evaluate(() => [...document.querySelectorAll('#menu button')].filter((b) => b.style.display !== 'none').map((b) => b.textContent));
    ok(JSON.stringify(items) === JSON.stringify(['Focus on this', 'Collapse nodes above', 'Copy name', 'Open in sandwich']), 'the menu offers focus, collapse, copy, sandwich', items);
    await page.click('#menu [data-action=copy]');
    await page.waitForFunction(() => window.emberViewer.copied !== null);
    ok((await page.evaluate(() => window.emberViewer.copied)) === 'sort' && (await text('#status')) === 'Copied: sort', 'Copy name copies the name', await text('#status'));

    await page.mouse.click(sort.x + 4, sort.y + 5, { button: 'right' });
    await page.click('#menu [data-action=focus]');
    const focused = pathValues(BASIC, ['main', 'compute', 'sort']).total;
    const root = await hover(await box([]));
    ok((await state()).focus === 'sort' && root && root.includes(`Total: ${focused} samples (100.00%)`), 'Focus on this keeps only the stacks through sort', root);
    ok((await box(['main', 'parse'])) === null && (await text('#focus-chip')).startsWith('Focus: sort'), 'focused: other stacks are gone, the breadcrumb says so');
    await screenshot('focus');
    await page.click('#reset');
    ok((await state()).focus === null, 'Reset clears the focus');

    const compute = await box(['main', 'compute']);
    await page.mouse.click(compute.x + 4, compute.y + 5, { button: 'right' });
    await page.click('#menu [data-action=collapse]');
    const collapsed = await box(['main', 'compute']);
    const height = await page.evaluate(() => document.querySelector('#graph-panel canvas').getBoundingClientRect().height);
    ok((await state()).root === 'compute' && (await box(['main'])) === null, 'Collapse nodes above: compute is the top of the view');
    ok(collapsed && near(collapsed.width, await canvasWidth(), 1) && near(height, 3 * 18, 1), 'collapsed: compute spans the canvas, three rows (compute, sort, cmp)', { collapsed, height });
    ok(/2 above collapsed/.test(await text('#breadcrumb')), 'the breadcrumb counts the collapsed frames', await text('#breadcrumb'));
    await page.click('#reset');
});

await step('icicle', async () => {
    await page.click('#icicle');
    const all = await box([]);
    const main = await box(['main']);
    ok((await state()).icicle && all.y < main.y, 'icicle: the root is on top', { all, main });
    const top = await page.evaluate(() => document.querySelector('#graph-panel canvas').getBoundingClientRect().top);
    ok(near(all.y, top, 1) && isHot(await pixel(all.x + 10, all.y + 5)), 'the top row is the root, painted');
    await screenshot('icicle');
    await page.click('#icicle');
    ok(!(await state()).icicle, 'the toggle goes back to the flame graph');
});

await step('palettes', async () => {
    const lex = await box(['main', 'parse', 'lex']);
    const at = [lex.x + lex.width / 2, lex.y + 3];
    await page.selectOption('#palette', 'mem');
    const mem = await pixel(...at);
    ok(mem && mem[0] === 0 && mem[1] >= 190, 'mem: greens', mem);
    await page.selectOption('#palette', 'io');
    const io = await pixel(...at);
    ok(io && io[0] === io[1] && io[2] >= 190, 'io: blues', io);
    await page.selectOption('#palette', 'package');
    // ns-less plain names are their own package: two names, two hues, same for a name twice
    const hashCompute = await box(['main', 'compute', 'hash']);
    const hashParse = await box(['main', 'parse', 'hash']);
    ok(sameColor(await pixel(hashCompute.x + 3, hashCompute.y + 3), await pixel(hashParse.x + 3, hashParse.y + 3)), 'package: a name keeps its colour');
    await screenshot('palette-package');
    await page.selectOption('#palette', 'hot');
    ok(isHot(await pixel(...at)), 'back to hot');
});

await step('table', async () => {
    await page.click('[data-mode=table]');
    const names = [...new Set(BASIC.flatMap((line) => line.frames))];
    const rows = () => page.evaluate(() => [...document.querySelectorAll('#functions tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)));
    const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    const expectOrder = (key, descending) => names.slice().sort((a, b) => {
        const d = functionValues(BASIC, a)[key] - functionValues(BASIC, b)[key];
        return (descending ? -d : d) || byName(a, b);
    });
    let table = await rows();
    ok(JSON.stringify(table.map((row) => row[0])) === JSON.stringify(expectOrder('self', true)), 'sorted by self, largest first', table.map((row) => row[0]));
    const hash = table.find((row) => row[0] === 'hash');
    const hashValues = functionValues(BASIC, 'hash');
    ok(hash && hash[1] === `${hashValues.self} samples (${pct(hashValues.self, BASIC_TOTAL)})` && hash[2] === `${hashValues.total} samples (${pct(hashValues.total, BASIC_TOTAL)})`,
        'hash: self and total summed over both callers', hash);
    const walk = table.find((row) => row[0] === 'walk');
    ok(walk && walk[2] === `${functionValues(BASIC, 'walk').total} samples (${pct(functionValues(BASIC, 'walk').total, BASIC_TOTAL)})`, 'recursive walk counted once in its total', walk);
    ok(table.some((row) => row[0] === XSS) && table.some((row) => row[0] === MARKUP), 'hostile names appear literally in the table', { XSS, MARKUP, names: table.map((row) => row[0]) });
    await page.click('#functions th[data-key=total]');
    table = await rows();
    ok(JSON.stringify(table.map((row) => row[0])) === JSON.stringify(expectOrder('total', true)), 'sorted by total, largest first', table.map((row) => row[0]));
    await page.click('#functions th[data-key=total]');
    table = await rows();
    ok(JSON.stringify(table.map((row) => row[0])) === JSON.stringify(expectOrder('total', false)), 'a second click sorts smallest first', table.map((row) => row[0]));
    await page.fill('#table-filter', 'S');
    table = await rows();
    const filtered = expectOrder('total', false).filter((name) => name.toLowerCase().includes('s'));
    ok(JSON.stringify(table.map((row) => row[0])) === JSON.stringify(filtered), 'the filter keeps names containing the text (any case)', table.map((row) => row[0]));
    await screenshot('table');
    await page.fill('#table-filter', '');
    await page.click('[data-mode=both]');
    const graphWidth = await canvasWidth();
    ok((await page.isVisible('#functions')) && graphWidth > 100 && graphWidth < 1000, 'Both shows the table beside the graph', graphWidth);
    await screenshot('both');
});

await step('sandwich', async () => {
    await page.dblclick('#functions tbody tr:has(td.name:text-is("hash"))');
    ok((await state()).mode === 'sandwich' && (await text('#sandwich-title')) === 'Sandwich: hash', 'a double-clicked row opens the sandwich');
    // callers: hash <- parse <- main (4) and hash <- compute <- main (26)
    const callersWidth = await page.evaluate(() => document.querySelector('#callers canvas').getBoundingClientRect().width);
    const viaCompute = await box(['compute'], 'callers');
    const viaParse = await box(['parse', 'main'], 'callers');
    const fromCompute = pathValues(BASIC, ['main', 'compute', 'hash']).total;
    const fromParse = pathValues(BASIC, ['main', 'parse', 'hash']).total;
    const hashTotal = fromCompute + fromParse;
    ok(viaCompute && near(viaCompute.width, (fromCompute / hashTotal) * callersWidth, 1.5), 'callers: compute carries its share of hash', viaCompute);
    ok(viaParse && near(viaParse.width, (fromParse / hashTotal) * callersWidth, 1.5), 'callers: main above parse carries parse\'s share', viaParse);
    let lines = await hover(viaCompute);
    ok(lines && lines[0] === 'compute' && lines.includes(`Total: ${fromCompute} samples (${pct(fromCompute, BASIC_TOTAL)})`), 'callers tooltip', lines);
    const callee = await box([], 'callees');
    lines = await hover(callee);
    ok(lines && lines[0] === 'hash' && lines.includes(`Total: ${hashTotal} samples (${pct(hashTotal, BASIC_TOTAL)})`), 'callees: hash merged over both callers', lines);
    const callees = await box([], 'callers');
    ok(callees && callee && callees.y < callee.y, 'callers above, callees below');
    await screenshot('sandwich-hash');

    // sort: callees merged below (cmp)
    await page.click('[data-mode=graph]');
    const sort = await box(['main', 'compute', 'sort']);
    await page.mouse.click(sort.x + 4, sort.y + 5, { button: 'right' });
    await page.click('#menu [data-action=sandwich]');
    const cmp = await box(['cmp'], 'callees');
    lines = await hover(cmp);
    const cmpTotal = pathValues(BASIC, ['main', 'compute', 'sort', 'cmp']).total;
    ok((await state()).sandwich === 'sort' && lines && lines[0] === 'cmp' && lines.includes(`Total: ${cmpTotal} samples (${pct(cmpTotal, BASIC_TOTAL)})`), 'Open in sandwich from the menu: callees of sort', lines);
    // walk: recursion counts once
    await page.click('[data-mode=table]');
    await page.dblclick('#functions tbody tr:has(td.name:text-is("walk"))');
    const walkTotal = functionValues(BASIC, 'walk').total;
    lines = await hover(await box([], 'callees'));
    ok(lines && lines.includes(`Total: ${walkTotal} samples (${pct(walkTotal, BASIC_TOTAL)})`), 'sandwich of a recursive function counts it once', lines);
    await page.click('[data-mode=graph]');
});

await step('the view is kept in the URL', async () => {
    await page.click('#reset');
    const compute = await box(['main', 'compute']);
    await page.mouse.click(compute.x + 5, compute.y + 5);
    await page.fill('#search', 'hash');
    await page.click('#icicle');
    await page.reload();
    await page.waitForFunction(() => window.emberViewer && window.emberViewer.timings.firstPaint);
    const restored = await state();
    ok(restored.zoom === 'compute' && restored.icicle && restored.mode === 'graph', 'a reload keeps the zoom and the icicle', restored);
    ok((await page.inputValue('#search')) === 'hash' && (await text('#matched')) === `Matched: ${matchedPercent(BASIC, /hash/)}`, 'a reload keeps the search', await text('#matched'));
    await page.click('#icicle');
    await page.click('#reset');
    await page.fill('#search', '');
});

await step('hostile names and no network', async () => {
    ok(dialogs.length === 0, 'no dialog opened', dialogs);
    ok(await page.evaluate(() => window.__pwned === undefined && document.images.length === 0), 'no markup from a name ran or was parsed');
    ok(await page.evaluate(() => document.title) === 'Flame Graph', 'the page title');
});

// ---- sample types (Go heap profile) ------------------------------------------------
if (files.heap) await step('sample types', async () => {
    await open('heap');
    const options = await page.evaluate(() => [...document.querySelectorAll('#sample-type option')].map((o) => o.textContent));
    ok(JSON.stringify(options) === JSON.stringify(['alloc_objects (count)', 'alloc_space (bytes)', 'inuse_objects (count)', 'inuse_space (bytes)']), 'the selector lists the four heap types', options);
    ok((await state()).type === 'inuse_space', 'pprof\'s default (the last type, inuse_space) is shown first');
    // go tool pprof -raw: inuse_space sums to 753,536 bytes = 735.875 KiB
    let lines = await hover(await box([]));
    ok(lines && lines.includes('Total: 735.88 KiB (100.00%)'), 'inuse_space total in KiB', lines);
    await page.selectOption('#sample-type', { label: 'alloc_space (bytes)' });
    // alloc_space: 1,453,928 bytes = 1.3866 MiB
    lines = await hover(await box([]));
    ok((await state()).type === 'alloc_space' && lines && lines.includes('Total: 1.39 MiB (100.00%)'), 'switching to alloc_space redraws with its values', lines);
    await screenshot('heap-alloc-space');
});

// ---- differential profile ---------------------------------------------------------------
if (files.diff) await step('diff', async () => {
    await open('diff');
    const DIFF = readFolded('diff.folded');
    const beforeAll = pathValues(DIFF, [], 0).total, afterAll = pathValues(DIFF, [], 1).total;
    ok(await page.isVisible('#legend') && /shrank/.test(await text('#legend')) && /grew/.test(await text('#legend')), 'the legend explains red and blue', await text('#legend'));
    const expectLines = (framePath) => {
        const before = pathValues(DIFF, framePath, 0).total, after = pathValues(DIFF, framePath, 1).total;
        const change = after - before;
        const sign = change > 0 ? '+' : '';
        return [`Before: ${before} samples (${pct(before, beforeAll)})`, `After: ${after} samples (${pct(after, afterAll)})`,
            `Diff: ${sign}${change} samples` + (before ? ` (${sign}${((100 * change) / before).toFixed(2)}%)` : ' (new)')];
    };
    for (const framePath of [['main', 'b'], ['main', 'a', 'x'], ['main', 'c']]) {
        const lines = await hover(await box(framePath));
        const want = expectLines(framePath);
        ok(lines && want.every((line) => lines.includes(line)), `diff tooltip of ${framePath.join(';')}`, { lines, want });
    }
    const b = await box(['main', 'b']);
    const x = await box(['main', 'a', 'x']);
    const blue = await pixel(b.x + b.width / 2, b.y + 5);
    const red = await pixel(x.x + x.width / 2, x.y + 5);
    ok(blue && blue[2] === 255 && blue[0] < 200, 'b shrank: blue', blue);
    ok(red && red[0] === 255 && red[2] < 255 && red[1] === red[2], 'x grew: red', red);
    const width = await canvasWidth();
    ok(near(b.width, (pathValues(DIFF, ['main', 'b'], 1).total / afterAll) * width, 1.5), 'the shape is AFTER\'s');
    await screenshot('diff');
});

if (files.diffcmd) await step('ember diff -o x.html', async () => {
    await open('diffcmd');
    const DIFF = readFolded('diff.folded');
    const before = pathValues(DIFF, ['main', 'b'], 0).total, after = pathValues(DIFF, ['main', 'b'], 1).total;
    const lines = await hover(await box(['main', 'b']));
    ok(lines && lines.includes(`Before: ${before} samples (${pct(before, pathValues(DIFF, [], 0).total)})`) &&
        lines.includes(`After: ${after} samples (${pct(after, pathValues(DIFF, [], 1).total)})`), 'ember diff\'s output opens in diff mode', lines);
    ok(await page.isVisible('#legend'), 'with the legend');
    const subtitle = await text('#subtitle');
    ok(subtitle && subtitle.length > 0, 'the subtitle says how the counts were normalized', subtitle);
});

// ---- flame chart ------------------------------------------------------------------------------
if (files.chart) await step('flame chart', async () => {
    await open('chart');
    const CHART = readFolded('chart.folded');
    const total = CHART.reduce((sum, line) => sum + line.counts[0], 0);
    ok((await state()).chart, '--flamechart opens in flame chart mode');
    const all = await box([]);
    // In input order: b (1), c (1), b (2), c;d (1): hover the middle of each.
    let start = 0;
    for (const { frames, counts } of CHART) {
        const middle = (start + counts[0] / 2) / total;
        start += counts[0];
        const rowY = all.y - 18 * frames.length;
        await page.mouse.move(all.x + middle * all.width, rowY + 8);
        const lines = await page.evaluate(() => [...document.getElementById('tooltip').children].map((c) => c.textContent));
        ok(lines[0] === frames[frames.length - 1] && lines.includes(`Total: ${counts[0]} samples (${pct(counts[0], total)})`),
            `flame chart: ${frames.join(';')} at ${(middle * 100).toFixed(0)}% of the time`, lines);
    }
    await screenshot('flamechart');
    await page.click('#flamechart');
    const b = await box(['a', 'b']);
    const bTotal = CHART.filter((line) => line.frames[1] === 'b').reduce((sum, line) => sum + line.counts[0], 0);
    ok(!(await state()).chart && b && near(b.width, (bTotal / total) * all.width, 1.5), 'toggled off: the merged flame graph', b);
});

if (files.tiny) await step('tiny frames merged', async () => {
    await open('tiny');
    const big = await box(['main', 'big']);
    const width = await canvasWidth();
    ok(big && near(big.width, (1000 / 4000) * width, 1.5), 'big is a quarter of the width', big);
    const y = big.y + 5;
    const samples = [];
    for (const fraction of [0.3, 0.5, 0.7, 0.95]) samples.push(await pixel(fraction * width, y));
    ok(samples.every((rgb) => sameColor(rgb, [200, 200, 200])), 'the 3000 tiny siblings are one grey box', samples);
    ok((await hover({ x: 0.6 * width, y: big.y, width: 1, height: 17 }, 0)) === null, 'the merged box has no tooltip');
    await screenshot('tiny-merged');
});

// hand-trace.json (tests/fixtures/chrome, written by hand): thread 1 runs
// frame 1000-2000 us with layout 1000-1300 and paint 1500-1900 inside;
// thread 2 runs decode 1200-1600 with inflate 1250-1350 inside. The chart
// is drawn by time: x = time from 1000 us over the 1000 us, thread 2 in a
// band above thread 1's.
if (files.trace) await step('flame chart of a Chrome trace', async () => {
    await open('trace');
    const width = await canvasWidth();
    const scale = width / 1000;
    const main = ['main (pid 7, tid 1)', 'frame'];
    const expect = [
        [[...main, 'layout'], 0, 300],
        [[...main, 'paint'], 500, 400],
        [['pid 7, tid 2', 'decode'], 200, 400],
        [['pid 7, tid 2', 'decode', 'inflate "zlib"'], 250, 100],
    ];
    for (const [framePath, start, duration] of expect) {
        const b = await box(framePath);
        ok(b && near(b.x, start * scale, 1.5) && near(b.width, duration * scale, 1.5),
            `${framePath[framePath.length - 1]} at ${start}-${start + duration} us of the chart`, { b, want: [start * scale, duration * scale] });
    }
    const frame = await box(main);
    const paint = await box([...main, 'paint']);
    ok(sameColor(await pixel(frame.x + 400 * scale, paint.y + 5), BACKGROUND_RGB), 'frame\'s own time between layout and paint stays empty above it');
    const decode = await box(['pid 7, tid 2', 'decode']);
    ok(decode && paint && decode.y < paint.y, 'thread 2\'s decode, at the same time as thread 1\'s frame, is in a band above it', { decode, paint });
});

if (files.converted) await step('convert -o out.html', async () => {
    await open('converted');
    ok((await page.evaluate(() => window.emberViewer.nodeCount)) === 1 + new Set(BASIC.flatMap((line) => line.frames.map((_, i) => line.frames.slice(0, i + 1).join(';')))).size,
        'ember convert -o x.html writes the viewer with every node');
});

if (files.focused) await step('view --focus', async () => {
    await open('focused');
    // all, main, compute and compute's subtree: hash, sort, cmp
    const kept = new Set(BASIC.filter((line) => line.frames.includes('compute'))
        .flatMap((line) => line.frames.map((_, i) => line.frames.slice(0, i + 1).join(';'))));
    ok((await page.evaluate(() => window.emberViewer.nodeCount)) === 1 + kept.size, 'the filter options apply before writing (--focus)');
    const lines = await hover(await box([]));
    const total = pathValues(BASIC, ['main', 'compute']).total;
    ok(lines && lines.includes(`Total: ${total} samples (100.00%)`), 'the focused profile\'s total', lines);
});

ok(pageErrors.length === 0, 'no script errors on any page', pageErrors);
ok(foreignRequests.length === 0, 'no network request at all (only file://)', foreignRequests);
diag(`screenshots in ${ARTIFACTS}`);
await browser.close();
fs.rmSync(workdir, { recursive: true, force: true });
finish();
