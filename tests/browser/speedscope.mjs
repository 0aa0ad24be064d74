// speedscope.mjs — ember's speedscope JSON opened by speedscope itself, in
// headless Chromium.
//
// The npm package `speedscope` (pinned in package.json) ships the built app
// (dist/release/index.html). This test converts fixtures with the test build
// of ember (`ember convert X -o profile.speedscope.json`), serves the app and
// the JSON from a tiny HTTP server on 127.0.0.1, opens
// index.html#profileURL=... in Debian's Chromium through playwright-core and
// checks what speedscope shows: the profile's name in the title, every frame
// name in the sandwich table with the total and self weights ember wrote, a
// hover tooltip on the flame chart, times formatted from the unit ember
// wrote (a .cpuprofile's microseconds), and that a frame named like markup
// stays text. Prints one TAP line per check.
//
// Environment: EMBER (default build/test/ember), CHROMIUM (default
// /usr/bin/chromium), EMBER_BROWSER_SCREENSHOT=PREFIX to keep screenshots
// (PREFIX-flame.png, PREFIX-sandwich.png), WATCHDOG_SECONDS (default 180).
// Run it through tests/browser/run, which installs the npm packages.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { finish, launchChromium, ok, runEmber, runFailure, serve, startWatchdog, step } from './harness.mjs';

const SCREENSHOT = process.env.EMBER_BROWSER_SCREENSHOT || '';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const APP = path.join(HERE, 'node_modules', 'speedscope', 'dist', 'release');

// y of the second row of speedscope's flame chart (below the minimap and
// its ruler, the main row and the ruler of the detail view) at 1200x700.
const ROW_Y = 173;
const XSS = '</div><img src=x onerror=alert(1)>';
// Folded fixture with known weights (100 in all): name -> [total, self].
const FOLDED = [
    ['main;alpha', 55],
    ['main;beta;gamma', 30],
    ['main;beta', 5],
    [`main;${XSS}`, 10],
];
const EXPECTED = new Map([
    ['main', [100, 0]],
    ['alpha', [55, 55]],
    ['beta', [35, 5]],
    ['gamma', [30, 30]],
    [XSS, [10, 10]],
]);

// A .cpuprofile: (root) -> work (a.js:3) -> inner (a.js:8); 4 samples,
// 1000 µs apart, the last one weighed until endTime.
const CPUPROFILE = {
    nodes: [
        { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [2] },
        { id: 2, callFrame: { functionName: 'work', scriptId: '1', url: 'file:///a.js', lineNumber: 2, columnNumber: 0 }, hitCount: 1, children: [3] },
        { id: 3, callFrame: { functionName: 'inner', scriptId: '1', url: 'file:///a.js', lineNumber: 7, columnNumber: 4 }, hitCount: 3 },
    ],
    startTime: 0,
    endTime: 4000,
    samples: [3, 3, 2, 3],
    timeDeltas: [0, 1000, 1000, 1000],
};

startWatchdog();

if (!ok(fs.existsSync(path.join(APP, 'index.html')), 'the speedscope npm package ships dist/release/index.html', APP))
    finish();

// ---- profiles made by ember -------------------------------------------------
const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-speedscope-'));
function convert(input, output) {
    const run = runEmber(['convert', input, '-o', output]);
    const made = ok(run.status === 0 && fs.existsSync(output), `ember convert ${path.basename(input)} -o ${path.basename(output)}`,
        runFailure(run));
    return made ? fs.readFileSync(output) : null;
}
fs.writeFileSync(path.join(workdir, 'fixture.folded'), FOLDED.map(([stack, count]) => `${stack} ${count}\n`).join(''));
fs.writeFileSync(path.join(workdir, 'fixture.cpuprofile'), JSON.stringify(CPUPROFILE));
const profiles = {
    '/folded.speedscope.json': convert(path.join(workdir, 'fixture.folded'), path.join(workdir, 'folded.speedscope.json')),
    '/cpu.speedscope.json': convert(path.join(workdir, 'fixture.cpuprofile'), path.join(workdir, 'cpu.speedscope.json')),
};
if (!profiles['/folded.speedscope.json'] || !profiles['/cpu.speedscope.json'])
    finish();

// ---- the server and the browser --------------------------------------------------
const json = (body) => ({ type: 'application/json', body });
const server = await serve({
    '/folded.speedscope.json': json(profiles['/folded.speedscope.json']),
    '/cpu.speedscope.json': json(profiles['/cpu.speedscope.json']),
}, APP);
const origin = server.origin;

const browser = await launchChromium({ width: 1200, height: 700 });
if (!browser) {
    server.close();
    finish();
}
const context = browser.context;

const dialogs = [];
const pageErrors = [];
async function open(profilePath) {
    const page = await context.newPage();
    page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${origin}/index.html#profileURL=${encodeURIComponent(origin + profilePath)}`);
    // speedscope sets the title to "NAME - speedscope" once the profile is imported.
    await page.waitForFunction(() => / - speedscope$/.test(document.title), null, { timeout: 30000 });
    return page;
}

// The sandwich view's table: [{total, self, name}], read from the DOM.
async function sandwichRows(page) {
    await page.keyboard.press('3');
    await page.waitForFunction(() => document.body.innerText.includes('Symbol Name'), null, { timeout: 10000 });
    const text = await page.evaluate(() => document.body.innerText);
    const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
    const start = lines.findIndex((line) => /Total\s+Self\s+Symbol Name/.test(line));
    const rows = [];
    for (let i = start + 1; i + 2 < lines.length + 1 && i >= 1; i += 3) {
        if (lines[i + 2] === undefined) break;
        rows.push({ total: lines[i], self: lines[i + 1], name: lines[i + 2] });
    }
    return rows;
}

await step('folded fixture in speedscope', async () => {
    const page = await open('/folded.speedscope.json');
    ok((await page.title()) === 'samples - speedscope', 'the title names the profile ember wrote ("samples")', await page.title());
    // Time Order view: hover over alpha (10% to 65% of the width, one row below main).
    const viewport = page.viewportSize();
    const flame = await page.evaluate(() => {
        const canvases = [...document.querySelectorAll('canvas')].map((canvas) => canvas.getBoundingClientRect())
            .filter((rect) => rect.width > 0 && rect.height > 0);
        return canvases.map((rect) => ({ x: rect.x, y: rect.y, width: rect.width, height: rect.height }));
    });
    ok(flame.length > 0, 'speedscope draws the flame chart on a canvas', flame);
    if (SCREENSHOT) await page.screenshot({ path: `${SCREENSHOT}-flame.png` });
    // The flame chart below the minimap: a ruler, then main, then its
    // children; alpha spans 0% to 55% of the width (frames are ordered as
    // ember wrote the samples: the markup-named one, alpha, beta).
    await page.mouse.move(viewport.width * 0.4, ROW_Y);
    await page.waitForTimeout(300);
    const hover = await page.evaluate(() => document.body.innerText);
    ok(/alpha/.test(hover) && /55/.test(hover), 'hovering alpha in the flame chart shows its name and weight 55',
        hover.slice(0, 500));

    const rows = await sandwichRows(page);
    if (SCREENSHOT) await page.screenshot({ path: `${SCREENSHOT}-sandwich.png` });
    for (const [name, [total, self]] of EXPECTED) {
        const row = rows.find((candidate) => candidate.name === name);
        const shown = row ? `${row.total} | ${row.self}` : 'missing';
        ok(row && row.total.startsWith(`${total} (`) && row.self.startsWith(`${self} (`),
            `sandwich table: ${JSON.stringify(name)} total ${total}, self ${self}`, `${shown}\n${JSON.stringify(rows)}`);
    }
    ok(rows.length === EXPECTED.size, `the sandwich table has exactly the ${EXPECTED.size} frames ember wrote`, rows);
    const injected = await page.evaluate(() => document.querySelectorAll('img[src="x"]').length);
    ok(injected === 0 && dialogs.length === 0, 'a frame named like markup is shown as text (no element, no alert)',
        { injected, dialogs });
    await page.close();
});

await step('.cpuprofile converted by ember, in speedscope', async () => {
    const page = await open('/cpu.speedscope.json');
    ok((await page.title()) === 'time - speedscope', 'the title names the sample type ("time")', await page.title());
    const rows = await sandwichRows(page);
    const inner = rows.find((row) => row.name === 'inner');
    const work = rows.find((row) => row.name === 'work');
    // inner: samples 0, 1 and 3 (1000 µs each) = 3.00ms; work: 4.00ms total, 1.00ms self.
    ok(inner && /^3(\.0+)?ms \(75%\)$/.test(inner.total), 'inner: total 3ms (75%), from microsecond weights',
        JSON.stringify(rows));
    ok(work && /^4(\.0+)?ms \(100%\)$/.test(work.total) && /^1(\.0+)?ms \(25%\)$/.test(work.self),
        'work: total 4ms, self 1ms', JSON.stringify(rows));
    await page.close();
});

ok(pageErrors.length === 0, 'no JavaScript errors in speedscope', pageErrors.join('\n'));
await browser.close();
server.close();
fs.rmSync(workdir, { recursive: true, force: true });
finish();
