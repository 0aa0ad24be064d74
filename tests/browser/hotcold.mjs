// hotcold.mjs — headless-Chromium test of hot/cold colours in the HTML
// viewer (`ember view`): tests/fixtures/hotcold/mixed.folded holds on-CPU
// stacks and off-CPU stacks under the marker frame "[off-cpu]"; the page
// opens with the hotcold palette, draws the off-CPU frames blue (r = g in
// 80-140, b 205-255) and the on-CPU ones warm (r 205-255, g 0-230, b 0-55),
// and the palette selector switches back to all-warm. Colours are read
// from the canvas at the middle of each frame's box.
//
// Environment: EMBER (default build/test/ember), CHROMIUM (default
// /usr/bin/chromium), WATCHDOG_SECONDS (default 120). Run it through
// tests/browser/run, which installs playwright-core.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
    EMBER, blockRequests, finish, launchChromium, ok, runEmber, runFailure, serve, startWatchdog, step,
} from './harness.mjs';

const FIXTURE = 'tests/fixtures/hotcold/mixed.folded';
startWatchdog(120);

const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-hotcold-'));
const html = path.join(workdir, 'hotcold.html');
const run = runEmber(['view', FIXTURE, '-o', html]);
if (!ok(run.status === 0 && fs.existsSync(html), `${EMBER} view writes the hot/cold page`, runFailure(run)))
    finish();

const server = await serve({ '/hotcold.html': { type: 'text/html; charset=utf-8', body: fs.readFileSync(html) } });
const browser = await launchChromium({ width: 1200, height: 600 });
if (!browser) {
    server.close();
    finish();
}
await blockRequests(browser.context, (url) => url.startsWith(server.origin + '/'));
const page = browser.page;
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(String(error)));

// The colour of the frame at path (root first), read from the canvas a few
// pixels inside its left edge, half way down (away from the label).
function colourOf(framePath) {
    return page.evaluate((p) => {
        const box = window.emberViewer.frameBox(p);
        if (!box) return null;
        const canvas = document.querySelector('canvas');
        const rect = canvas.getBoundingClientRect();
        const ratio = window.devicePixelRatio || 1;
        const pixel = canvas.getContext('2d').getImageData(Math.round((box.x - rect.left + 1) * ratio),
            Math.round((box.y - rect.top + 1) * ratio), 1, 1).data;
        return [pixel[0], pixel[1], pixel[2]];
    }, framePath);
}
const isCold = (c) => c && c[0] === c[1] && c[0] >= 80 && c[0] <= 140 && c[2] >= 205;
const isWarm = (c) => c && c[0] >= 205 && c[1] <= 230 && c[2] <= 55;

const COLD = [['[off-cpu]'], ['[off-cpu]', 'app', 'main'], ['[off-cpu]', 'app', 'main', 'read_input', 'read'],
    ['[off-cpu]', 'app', 'main', 'sleep_a_bit', 'nanosleep', 'schedule']];
const WARM = [['app'], ['app', 'main', 'compute', 'crunch'], ['app', 'main', 'read_input', 'read']];

await step('hotcold', async () => {
    await page.goto(`${server.origin}/hotcold.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.emberViewer && document.querySelector('canvas'));
    const palette = await page.evaluate(() => document.getElementById('palette').value);
    ok(palette === 'hotcold', `the page opens with the hotcold palette (${palette})`);
    for (const framePath of COLD) {
        const colour = await colourOf(framePath);
        ok(isCold(colour), `${framePath.join(';')} is blue (${colour})`);
    }
    for (const framePath of WARM) {
        const colour = await colourOf(framePath);
        ok(isWarm(colour), `${framePath.join(';')} is warm (${colour})`);
    }
});

await step('switch to hot', async () => {
    await page.selectOption('#palette', 'hot');
    await page.waitForTimeout(100);
    const colour = await colourOf(['[off-cpu]', 'app', 'main']);
    ok(isWarm(colour), `with the hot palette the off-CPU frames are warm too (${colour})`);
});

ok(pageErrors.length === 0, 'no JavaScript error on the page', pageErrors);
await browser.close();
server.close();
fs.rmSync(workdir, { recursive: true, force: true });
finish();
