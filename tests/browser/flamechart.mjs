// flamechart.mjs — headless-Chromium test of a flame chart by time drawn by
// `ember flamegraph --flamechart` (tests/fixtures/flamechart/two-threads.perf-script:
// thread 100 runs work [0,2) ms, io [2,3), work [10,11); thread 101 runs
// helper [0.5,2.5) in the band above; 11 ms in all).
//
// Checks that the SVG's script reads the time tooltips like any other:
// hovering shows the duration and times, clicking a box zooms to its time
// span (boxes it covers stretched, the boxes below it that cover it dimmed,
// the rest hidden), and a search reports the share of the chart's time
// during which a matching box runs. Then checks that `ember view
// --flamechart` places the HTML viewer's boxes by the same times: x and
// width proportional to them, nothing in thread 100's band during its idle
// [3,10) ms, thread 101 in a band of its own above, and the SVG's time
// tooltip. Prints one TAP line per check.
//
// Environment: EMBER (default build/test/ember), CHROMIUM (default
// /usr/bin/chromium), WATCHDOG_SECONDS (default 120). Run it through
// tests/browser/run, which installs playwright-core.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
    EMBER, blockRequests, finish, launchChromium, near, ok, runEmber, runFailure, serve, startWatchdog, step,
} from './harness.mjs';

const FIXTURE = 'tests/fixtures/flamechart/two-threads.perf-script';
const FULL_WIDTH = 1180; // 1200 - 2 * 10 px of padding: the whole 11 ms

startWatchdog(120);

const run = runEmber(['flamegraph', '--flamechart', FIXTURE]);
if (!ok(run.status === 0 && /<svg[\s>]/.test(run.stdout || ''), `${EMBER} flamegraph --flamechart draws the fixture`,
    runFailure(run)))
    finish();
const svg = run.stdout;

const htmlFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ember-flamechart-')), 'chart.html');
const view = runEmber(['view', '--flamechart', FIXTURE, '-o', htmlFile]);
ok(view.status === 0, `${EMBER} view --flamechart writes the viewer`, runFailure(view));
const html = view.status === 0 ? fs.readFileSync(htmlFile, 'utf8') : '';
fs.rmSync(path.dirname(htmlFile), { recursive: true, force: true });

const server = await serve({
    '/chart.svg': { type: 'image/svg+xml; charset=utf-8', body: svg },
    '/chart.html': { type: 'text/html; charset=utf-8', body: html },
});
const origin = server.origin;
const browser = await launchChromium({ width: 1300, height: 400 });
if (!browser) {
    server.close();
    finish();
}
await blockRequests(browser.context, (url) => url.startsWith(origin + '/'));
const page = browser.page;
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(String(error)));

// Frames as the user sees them; the start of the tooltip gives the name.
async function readFrames() {
    const frames = await page.evaluate(() => [...document.querySelectorAll('#frames > g')].map((g) => {
        const rect = g.querySelector('rect');
        const box = rect.getBoundingClientRect();
        return {
            title: g.querySelector('title').textContent,
            x: box.x, width: box.width,
            hidden: getComputedStyle(g).display === 'none',
            parent: g.classList.contains('parent'),
        };
    }));
    return frames.map((frame) => ({ ...frame, name: frame.title.replace(/ \([^()]*\)$/, '') }));
}
const named = (frames, name) => frames.filter((frame) => frame.name === name);

await step('load', async () => {
    await page.goto(`${origin}/chart.svg`, { waitUntil: 'load' });
    const frames = await readFrames();
    ok(frames.length === 11, `11 boxes drawn (${frames.length})`);
    const io = named(frames, 'io')[0];
    ok(io && near(io.width, FULL_WIDTH / 11, 0.6), `io [2,3) ms is 1/11 of the width (${io && io.width.toFixed(1)} px)`);
});

await step('hover', async () => {
    await page.locator('#frames > g').filter({ has: page.locator('title', { hasText: /^io \(/ }) }).hover();
    const details = await page.evaluate(() => document.getElementById('details').textContent);
    ok(details.includes('io (1,000 us, from 2.000 to 3.000 ms, 9.09%)'),
        'hovering io shows its duration and its start and end', details);
});

await step('search', async () => {
    await page.goto(`${origin}/chart.svg?s=${encodeURIComponent('^work$')}`, { waitUntil: 'load' });
    await page.waitForTimeout(100);
    const matched = await page.evaluate(() => document.getElementById('matched').textContent);
    const percent = Number((/([\d.]+)\s*%/.exec(matched) || [])[1]);
    // work runs [0,2) and [10,11) ms: 3 of 11 ms
    ok(near(percent, (100 * 3) / 11, 0.06), `searching ^work$ matches 27.27% of the time (${matched})`);
});

await step('zoom', async () => {
    await page.goto(`${origin}/chart.svg`, { waitUntil: 'load' });
    await page.locator('#frames > g').filter({ has: page.locator('title', { hasText: /^io \(/ }) }).click();
    await page.waitForTimeout(100);
    const frames = await readFrames();
    const io = named(frames, 'io')[0];
    ok(near(io.width, FULL_WIDTH, 0.6), `clicking io stretches its 1 ms over the full width (${io.width.toFixed(1)} px)`);
    const main = named(frames, 'main').find((frame) => !frame.hidden);
    ok(main && main.parent, 'main [0,3) below it is kept, dimmed');
    ok(named(frames, 'work').every((frame) => frame.hidden), 'the work boxes at other times are hidden');
    ok(named(frames, 'helper').every((frame) => frame.hidden), 'the other thread\'s helper [0.5,2.5), not inside [2,3), is hidden');
});

// The HTML viewer's chart: boxes read through window.emberViewer.chartBoxes()
// (name, row, start and end in ns, page box); the root spans the 11 ms.
await step('viewer by time', async () => {
    await page.goto(`${origin}/chart.html`, { waitUntil: 'load' });
    const boxes = await page.evaluate(() => window.emberViewer.chartBoxes());
    if (!ok(Array.isArray(boxes), 'the viewer draws the chart by time', boxes)) return;
    const root = await page.evaluate(() => window.emberViewer.frameBox([]));
    const ms = root.width / 11; // pixels per millisecond
    const expected = [
        // name, start, end (ms), row (stacks start with the command, app):
        // thread 100 in rows 1-3, an empty row, thread 101 in rows 5-7
        ['app', 0, 3, 1], ['main', 0, 3, 2], ['work', 0, 2, 3], ['io', 2, 3, 3],
        ['app', 10, 11, 1], ['main', 10, 11, 2], ['work', 10, 11, 3],
        ['app', 0.5, 2.5, 5], ['thread_start', 0.5, 2.5, 6], ['helper', 0.5, 2.5, 7],
    ];
    ok(boxes.length === expected.length, `${expected.length} boxes (${boxes.length})`, boxes.map((b) => b.name));
    for (const [name, start, end, row] of expected) {
        const found = boxes.find((b) => b.name === name && b.start === start * 1e6);
        ok(found && found.end === end * 1e6 && found.row === row, `${name} [${start},${end}) ms in row ${row}`, found);
        if (!found || !found.box) continue;
        ok(near(found.box.x - root.x, start * ms, 0.6) && near(found.box.width, (end - start) * ms, 0.6),
            `${name} [${start},${end}) ms drawn at x ${(start * ms).toFixed(1)}, ${((end - start) * ms).toFixed(1)} px wide ` +
            `(${(found.box.x - root.x).toFixed(1)}, ${found.box.width.toFixed(1)})`);
    }
    const main = boxes.find((b) => b.name === 'main');
    const helper = boxes.find((b) => b.name === 'helper');
    const threadStart = boxes.find((b) => b.name === 'thread_start');
    ok(main && threadStart && helper && near(threadStart.box.y, main.box.y - 4 * 18, 0.01) &&
        near(helper.box.y, main.box.y - 5 * 18, 0.01),
        'thread 101\'s band is drawn above thread 100\'s (rows of 18 px, one empty row between)', [main, helper]);
    // idle [3,10) ms: nothing under the mouse in main's row, main at 1 ms
    const probe = (timeMs, b) => page.evaluate(([x, y]) => window.emberViewer.probe(x, y),
        [root.x + timeMs * ms, b.box.y + b.box.height / 2]);
    const idle = await probe(6.5, main);
    const busy = await probe(1, main);
    ok(idle === null && busy && busy.path.join(';') === 'app;main', 'a gap at 6.5 ms where thread 100 is idle, main at 1 ms',
        [idle, busy]);
    const helperHit = await probe(2, helper);
    ok(helperHit && helperHit.path.join(';') === 'app;thread_start;helper', 'hit testing finds helper in the upper band',
        helperHit);
    // ^(work|helper)$ runs [0,2.5) and [10,11) ms in either band: 3.5 of 11 ms
    await page.fill('#search', '^(work|helper)$');
    await page.waitForTimeout(100);
    const matched = await page.evaluate(() => document.getElementById('matched').textContent);
    ok(matched === 'Matched: 31.82%', `searching ^(work|helper)$ matches the time either runs (${matched})`);
    await page.fill('#search', '');
    const io = boxes.find((b) => b.name === 'io');
    await page.mouse.move(io.box.x + io.box.width / 2, io.box.y + io.box.height / 2);
    const lines = await page.evaluate(() => [...document.getElementById('tooltip').children].map((c) => c.textContent));
    ok(lines[0] === 'io' && lines[1] === '1,000 us, from 2.000 to 3.000 ms, 9.09%',
        'hovering io shows its duration and its start and end, as the SVG', lines);
});

ok(pageErrors.length === 0, 'no JavaScript error on the page', pageErrors);
await browser.close();
server.close();
finish();
