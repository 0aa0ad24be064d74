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

const server = await serve({ '/chart.svg': { type: 'image/svg+xml; charset=utf-8', body: svg } });
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

ok(pageErrors.length === 0, 'no JavaScript error on the page', pageErrors);
await browser.close();
server.close();
finish();
