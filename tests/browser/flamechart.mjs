// flamechart.mjs — headless-Chromium test of a flame chart by time drawn by
// `ember flamegraph --flamechart` (tests/fixtures/flamechart/two-threads.perf-script:
// thread 100 runs work [0,2) ms, io [2,3), work [10,11); thread 101 runs
// helper [0.5,2.5) in the band above; 11 ms in all).
//
// Checks that the SVG's script reads the time tooltips like any other:
// hovering shows the duration and times, clicking a box zooms to its time
// span (boxes it covers stretched, the boxes below it that cover it dimmed,
// the rest hidden), and a search reports the share of the chart's time
// during which a matching box runs. Prints one TAP line per check.
//
// Environment: EMBER (default build/test/ember), CHROMIUM (default
// /usr/bin/chromium), WATCHDOG_SECONDS (default 120). Run it through
// tests/browser/run, which installs playwright-core.

import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const EMBER = process.env.EMBER || 'build/test/ember';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FIXTURE = 'tests/fixtures/flamechart/two-threads.perf-script';
const FULL_WIDTH = 1180; // 1200 - 2 * 10 px of padding: the whole 11 ms

let checks = 0;
let failures = 0;
function ok(condition, name, detail) {
    checks++;
    console.log(`${condition ? 'ok' : 'not ok'} - ${name}`);
    if (!condition) {
        failures++;
        if (detail !== undefined)
            for (const line of String(typeof detail === 'string' ? detail : JSON.stringify(detail)).split('\n'))
                console.log(`#   ${line}`);
    }
    return condition;
}
async function step(name, body) {
    try {
        await body();
    } catch (error) {
        ok(false, `${name} (threw)`, error && error.stack ? error.stack.split('\n').slice(0, 6).join('\n') : error);
    }
}
const near = (a, b, tolerance) => Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tolerance;
const watchdog = setTimeout(() => {
    console.log('not ok - the browser test finished in time');
    console.log(`1..${checks + 1}`);
    process.exit(1);
}, 1000 * Number(process.env.WATCHDOG_SECONDS || 120));
watchdog.unref();

const run = spawnSync(EMBER, ['flamegraph', '--flamechart', FIXTURE], { encoding: 'utf8', maxBuffer: 16 << 20 });
if (!ok(run.status === 0 && /<svg[\s>]/.test(run.stdout || ''), `${EMBER} flamegraph --flamechart draws the fixture`,
    `exit ${run.status}\n${(run.stderr || '').slice(0, 2000)}`)) {
    console.log(`1..${checks}`);
    process.exit(1);
}
const svg = run.stdout;

const server = http.createServer((request, response) => {
    if (new URL(request.url, 'http://127.0.0.1').pathname === '/chart.svg') {
        response.writeHead(200, { 'Content-Type': 'image/svg+xml; charset=utf-8', 'Cache-Control': 'no-store' });
        response.end(svg);
    } else {
        response.writeHead(404);
        response.end();
    }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-chromium-'));
let context;
try {
    context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync'],
        viewport: { width: 1300, height: 400 },
        timeout: 60000,
    });
} catch (error) {
    ok(false, `Chromium starts (${CHROMIUM})`, String(error).slice(0, 2000));
    server.close();
    console.log(`1..${checks}`);
    process.exit(1);
}
await context.route('**/*', (route) =>
    route.request().url().startsWith(origin + '/') ? route.continue() : route.abort());
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(5000);
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

ok(pageErrors.length === 0, 'no JavaScript error on the page', pageErrors);
await context.close().catch(() => {});
server.close();
fs.rmSync(profileDir, { recursive: true, force: true });
console.log(`1..${checks}`);
process.exit(failures ? 1 : 0);
