// svg.mjs — headless-Chromium test of the interactive SVG of `ember flamegraph`.
//
// Writes a small folded fixture with known counts (100 samples in all), draws
// it with the test build of ember, serves the SVG from a tiny HTTP server on
// 127.0.0.1, loads it in Debian's Chromium through playwright-core and checks
// what a user sees: frames and their widths, tooltips, hover details, click to
// zoom, Reset Zoom, regex search (prompt, Ctrl-F and ?s=) with the matched
// percentage, the ignore-case toggle, the state kept in the URL across a
// reload, and that a frame named like markup stays text (no script runs, no
// alert fires). Prints one TAP line per check.
//
// Environment: EMBER (default build/test/ember), CHROMIUM (default
// /usr/bin/chromium), EMBER_BROWSER_SCREENSHOT=FILE.png to keep a screenshot,
// WATCHDOG_SECONDS (default 180) after which the test gives up.
// Run it through tests/browser/run, which installs playwright-core.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
    EMBER, blockRequests, diag, finish, launchChromium, near, ok, runEmber, runFailure, serve, startWatchdog, step, textOf,
} from './harness.mjs';

const SCREENSHOT = process.env.EMBER_BROWSER_SCREENSHOT || '';
const SEARCH_COLOR = 'rgb(230,0,230)'; // ember's default --search-color

const XSS = '</text><script>alert(1)</script>';
// The fixture: every count is known, 100 samples in all, so each expected
// percentage is the sum of the counts of the stacks a pattern matches.
const FIXTURE = [
    ['main;parse;lex', 20],
    ['main;parse;Lexer_init', 5],
    ['main;compute;hash', 30],
    ['main;compute;sort;cmp', 17],
    ['main;compute;sort', 8],
    [`main;${XSS}`, 10],
    ['main;walk;walk;walk', 10],
];
const TOTAL = FIXTURE.reduce((sum, [, count]) => sum + count, 0);

// Samples of each frame (by name and depth, 0 = the root "all") as
// flamegraph.pl's merge gives them, and the percentage a search matches:
// the samples of stacks containing a matching frame, each stack counted once.
function expectedFrames() {
    const frames = new Map();
    frames.set('0:all', { name: 'all', depth: 0, samples: TOTAL });
    for (const [stack, count] of FIXTURE) {
        const names = stack.split(';');
        // frames merge by their path from the root
        for (let i = 0; i < names.length; i++) {
            const key = `${i + 1}:${names.slice(0, i + 1).join(';')}`;
            const frame = frames.get(key) || { name: names[i], depth: i + 1, samples: 0 };
            frame.samples += count;
            frames.set(key, frame);
        }
    }
    return [...frames.values()];
}
function expectedPercent(pattern, flags = '') {
    const re = new RegExp(pattern, flags);
    let matched = 0;
    for (const [stack, count] of FIXTURE)
        if (stack.split(';').some((name) => re.test(name))) matched += count;
    return (100 * matched) / TOTAL;
}

startWatchdog();

// ---- fixture and SVG ------------------------------------------------------
const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-browser-'));
const folded = path.join(workdir, 'fixture.folded');
fs.writeFileSync(folded, FIXTURE.map(([stack, count]) => `${stack} ${count}\n`).join(''));

let svg = '';
{
    const run = runEmber(['flamegraph', folded]);
    if (!ok(run.status === 0 && /<svg[\s>]/.test(run.stdout || ''), `${EMBER} flamegraph draws the fixture`, runFailure(run)))
        finish();
    svg = run.stdout;
    fs.writeFileSync(path.join(workdir, 'flame.svg'), svg);
}

// ---- a tiny HTTP server and the browser -----------------------------------
const server = await serve({ '/flame.svg': { type: 'image/svg+xml; charset=utf-8', body: svg } });
const origin = server.origin;
const svgUrl = `${origin}/flame.svg`;

const browser = await launchChromium({ width: 1300, height: 700 });
if (!browser) {
    server.close();
    finish();
}
const foreignRequests = await blockRequests(browser.context,
    (url) => url.startsWith(origin + '/') || url.startsWith('data:'));

const page = browser.page;
const pageErrors = [];
const consoleErrors = [];
const unexpectedDialogs = [];
let promptAnswers = [];
page.on('pageerror', (error) => pageErrors.push(String(error)));
page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
});
page.on('dialog', async (dialog) => {
    if (dialog.type() === 'prompt' && promptAnswers.length > 0) {
        await dialog.accept(promptAnswers.shift());
    } else {
        unexpectedDialogs.push(`${dialog.type()}: ${dialog.message()}`);
        await dialog.dismiss();
    }
});

// Everything the checks need to know about the frames, read in the page.
async function readFrames() {
    return page.evaluate(() => {
        const frames = [];
        for (const g of document.querySelectorAll('#frames > g')) {
            const title = g.querySelector('title');
            const rect = g.querySelector('rect');
            const text = g.querySelector('text');
            const style = getComputedStyle(g);
            const box = rect ? rect.getBoundingClientRect() : { x: NaN, y: NaN, width: NaN };
            frames.push({
                title: title ? title.textContent : '',
                label: text ? text.textContent : '',
                x: box.x,
                y: box.y,
                width: box.width,
                hidden: style.display === 'none' || style.visibility === 'hidden' ||
                    (rect !== null && getComputedStyle(rect).display === 'none'),
                parent: g.classList.contains('parent'),
                fill: rect ? getComputedStyle(rect).fill.replace(/\s+/g, '') : '',
            });
        }
        return frames;
    }).then((frames) => frames.map((frame) => {
        // "NAME (N samples, P%)", NAME may hold anything, parentheses too
        const match = /^([\s\S]*) \(([\d,.]+) [^,()]+, ([\d.]+)%\)$/.exec(frame.title);
        return {
            ...frame,
            name: match ? match[1] : frame.title,
            samples: match ? Number(match[2].replace(/,/g, '')) : NaN,
            percent: match ? Number(match[3]) : NaN,
        };
    }));
}
function byName(frames, name) {
    return frames.filter((frame) => frame.name === name);
}
function one(frames, name) {
    const found = byName(frames, name);
    if (found.length !== 1) throw new Error(`expected one frame named ${JSON.stringify(name)}, found ${found.length}`);
    return found[0];
}
const text = (selector) => textOf(page, selector);
async function isHidden(selector) {
    return page.evaluate((s) => {
        const e = document.querySelector(s);
        if (!e) return true;
        for (let n = e; n && n.nodeType === 1; n = n.parentNode) {
            const style = getComputedStyle(n);
            if (style.display === 'none' || style.visibility === 'hidden' || Number(style.opacity) === 0) return true;
        }
        return false;
    }, selector);
}
// The number in #matched ("Matched: 25.0%" or similar), NaN when empty.
async function matchedPercent() {
    const value = await text('#matched');
    const match = /([\d.]+)\s*%/.exec(value || '');
    return match ? Number(match[1]) : NaN;
}
function params() {
    return new URL(page.url()).searchParams;
}
async function clickFrame(name) {
    await page.locator('#frames > g').filter({ has: page.locator('title', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(`) }) }).first().click();
    await page.waitForTimeout(100);
}
async function searchWith(trigger, pattern) {
    promptAnswers = [pattern];
    await trigger();
    await page.waitForTimeout(50);
    // Search (and Ctrl-F) while a search is active first resets it, as in
    // flamegraph.pl; the second press prompts.
    if (promptAnswers.length) await trigger();
    await page.waitForFunction(() => /\d\s*%/.test(document.getElementById('matched')?.textContent || ''), null, { timeout: 3000 }).catch(() => {});
    await page.waitForTimeout(50);
    if (promptAnswers.length) {
        promptAnswers = [];
        throw new Error(`no search prompt appeared for ${JSON.stringify(pattern)}`);
    }
}
const highlighted = (frame) => frame.fill === SEARCH_COLOR;

const expected = expectedFrames();
let fullWidth = NaN;

// ---- the checks -----------------------------------------------------------
await step('page loads', async () => {
    const response = await page.goto(svgUrl, { waitUntil: 'load' });
    ok(response && response.ok(), 'the SVG is served and loads');
    const root = await page.evaluate(() => ({
        name: document.documentElement.localName,
        namespace: document.documentElement.namespaceURI,
        errors: document.getElementsByTagName('parsererror').length,
    }));
    ok(root.name === 'svg' && root.namespace === 'http://www.w3.org/2000/svg' && root.errors === 0,
        'Chromium parses the document as SVG (well-formed XML)', root);
    for (const id of ['frames', 'search', 'ignorecase', 'unzoom', 'matched', 'details', 'title'])
        ok(await page.evaluate((i) => document.getElementById(i) !== null, id), `the page has #${id}`);
});

await step('frames', async () => {
    const frames = await readFrames();
    ok(frames.length === expected.length, `all ${expected.length} frames are drawn`, `found ${frames.length}: ${frames.map((f) => f.name).join(' | ')}`);
    ok(frames.every((frame) => !frame.hidden && frame.width > 0), 'every frame is visible with a width');
    const root = one(frames, 'all');
    fullWidth = root.width;
    ok(fullWidth > 1000, `the root frame spans the graph (${fullWidth.toFixed(1)} px)`);
    const wrong = [];
    for (const want of expected) {
        const got = frames.filter((frame) => frame.name === want.name && frame.samples === want.samples);
        if (got.length === 0) { wrong.push(`${want.name}: no frame with ${want.samples} samples`); continue; }
        const width = (want.samples / TOTAL) * fullWidth;
        if (!got.some((frame) => near(frame.width, width, 0.6))) wrong.push(`${want.name}: width ${got.map((f) => f.width)} != ${width}`);
    }
    ok(wrong.length === 0, 'each frame has its sample count and a width proportional to it', wrong.join('\n'));
    // flame graphs grow upwards: a child sits above its parent
    const main = one(frames, 'main');
    const compute = one(frames, 'compute');
    ok(compute.y < main.y && main.y < root.y, 'children are drawn above their parents');
});

await step('tooltips', async () => {
    const frames = await readFrames();
    const bad = [];
    for (const want of expected) {
        const percent = (100 * want.samples) / TOTAL;
        const re = new RegExp(`\\(${want.samples} samples, ([\\d.]+)%\\)$`);
        const candidates = frames.filter((frame) => frame.name === want.name).map((frame) => frame.title);
        if (!candidates.some((title) => { const m = re.exec(title); return m && near(Number(m[1]), percent, 0.005); }))
            bad.push(`${want.name}: ${JSON.stringify(candidates)} lacks "${want.samples} samples, ${percent}%"`);
    }
    ok(bad.length === 0, 'every <title> tooltip says "N samples, P%"', bad.join('\n'));
    await page.locator('#frames > g', { has: page.locator('title', { hasText: /^hash \(/ }) }).hover();
    const details = await text('#details');
    ok(/hash/.test(details || '') && /30 samples/.test(details || ''), 'hovering a frame shows its name and samples in #details', details);
    await page.mouse.move(5, 5);
});

await step('markup in a frame name', async () => {
    const frames = await readFrames();
    const evil = byName(frames, XSS);
    ok(evil.length === 1 && evil[0].samples === 10, 'a frame named </text><script>alert(1)</script> is drawn, its name as text',
        frames.map((f) => f.title));
    const scripts = await page.evaluate(() => [...document.querySelectorAll('script')].map((s) => s.textContent));
    ok(!scripts.some((code) => code.includes('alert(1)')), 'the frame name does not become a <script> element');
    ok(evil.length === 1 && !evil[0].label.includes('<script') || (evil[0] && XSS.startsWith(evil[0].label.replace(/\.\.$/, ''))),
        'its label is the name (or its truncation) as text', evil[0] && evil[0].label);
    await page.locator('#frames > g', { has: page.locator('title', { hasText: 'alert(1)' }) }).hover();
    const details = await text('#details');
    ok((details || '').includes(XSS), 'hovering it shows the name as text in #details', details);
    await page.mouse.move(5, 5);
});

await step('zoom', async () => {
    ok(await isHidden('#unzoom'), 'Reset Zoom is hidden before any zoom');
    await clickFrame('sort');
    let frames = await readFrames();
    const sort = one(frames, 'sort');
    ok(near(sort.width, fullWidth, 0.6), `clicking "sort" widens it to the full width (${sort.width.toFixed(1)} px)`);
    ok(near(one(frames, 'cmp').width, (17 / 25) * fullWidth, 0.6), 'its child "cmp" is scaled with it (17 of 25 samples)',
        one(frames, 'cmp').width);
    const siblings = ['hash', 'lex', 'parse', 'Lexer_init', XSS].map((name) => one(frames, name));
    ok(siblings.every((frame) => frame.hidden), 'frames outside the zoomed one are hidden',
        siblings.filter((f) => !f.hidden).map((f) => f.name));
    const ancestors = ['compute', 'main', 'all'].map((name) => one(frames, name));
    ok(ancestors.every((frame) => frame.parent && !frame.hidden), 'its ancestors stay visible with the parent style',
        ancestors.map((f) => ({ name: f.name, parent: f.parent, hidden: f.hidden })));
    ok(!(await isHidden('#unzoom')), 'Reset Zoom appears');
    const p = params();
    ok(p.has('x') && p.has('y'), `the zoom is kept in the URL (${page.url().slice(origin.length)})`);

    await page.reload({ waitUntil: 'load' });
    await page.waitForTimeout(100);
    frames = await readFrames();
    ok(near(one(frames, 'sort').width, fullWidth, 0.6) && one(frames, 'hash').hidden,
        'reloading the page restores the zoom from the URL', { sort: one(frames, 'sort').width, hash: one(frames, 'hash').hidden });

    await page.click('#unzoom');
    await page.waitForTimeout(100);
    frames = await readFrames();
    const wrong = expected.filter((want) => !frames.some((f) => f.name === want.name && !f.hidden && !f.parent &&
        near(f.width, (want.samples / TOTAL) * fullWidth, 0.6)));
    ok(wrong.length === 0, 'Reset Zoom restores every frame, width and style', wrong.map((w) => w.name));
    ok(await isHidden('#unzoom'), 'Reset Zoom hides itself again');
    ok(!params().has('x') && !params().has('y'), 'the URL forgets the zoom');

    // clicking an ancestor zooms out to it; Escape resets
    await clickFrame('cmp');
    await clickFrame('compute');
    frames = await readFrames();
    ok(near(one(frames, 'compute').width, fullWidth, 0.6) && !one(frames, 'sort').hidden && one(frames, 'parse').hidden,
        'clicking an ancestor ("compute" above "cmp") zooms out to it',
        { compute: one(frames, 'compute').width, parse: one(frames, 'parse').hidden });
    await page.keyboard.press('Escape');
    await page.waitForTimeout(100);
    frames = await readFrames();
    ok(!frames.some((f) => f.hidden || f.parent) && near(one(frames, 'compute').width, 0.55 * fullWidth, 0.6),
        'Escape resets the zoom');
});

await step('search', async () => {
    await searchWith(() => page.click('#search'), 'sort');
    let frames = await readFrames();
    ok(highlighted(one(frames, 'sort')), 'searching "sort" from the Search button highlights the frame');
    ok(!highlighted(one(frames, 'cmp')) && !highlighted(one(frames, 'hash')), 'frames that do not match keep their colour');
    let want = expectedPercent('sort');
    let got = await matchedPercent();
    ok(near(got, want, 0.05), `#matched shows ${want}% for "sort" (25 of 100 samples)`, await text('#matched'));
    ok(params().get('s') === 'sort', 'the search is kept in the URL', page.url());

    // a frame matched at several depths of one stack counts once
    await searchWith(() => page.keyboard.press('Control+F'), 'walk');
    frames = await readFrames();
    ok(byName(frames, 'walk').length === 3 && byName(frames, 'walk').every(highlighted), 'Ctrl-F searches; all three nested "walk" frames are highlighted');
    want = expectedPercent('walk');
    got = await matchedPercent();
    ok(near(got, want, 0.05), `#matched shows ${want}% for "walk" (nested frames counted once)`, await text('#matched'));
    ok(!highlighted(one(frames, 'sort')), 'the previous match is cleared');

    await searchWith(() => page.keyboard.press('F3'), '^(hash|lex)$');
    want = expectedPercent('^(hash|lex)$');
    got = await matchedPercent();
    ok(near(got, want, 0.05), `F3 searches too; the regex "^(hash|lex)$" matches ${want}% (names, not tooltips)`, await text('#matched'));

    // case: "lex" matches lex (20), with ignore-case also Lexer_init (5)
    await searchWith(() => page.keyboard.press('Control+F'), 'lex');
    frames = await readFrames();
    want = expectedPercent('lex');
    got = await matchedPercent();
    ok(near(got, want, 0.05) && highlighted(one(frames, 'lex')) && !highlighted(one(frames, 'Lexer_init')),
        `searching "lex" is case-sensitive: ${want}%, Lexer_init not highlighted`, { got, text: await text('#matched') });
    await page.click('#ignorecase');
    await page.waitForTimeout(100);
    frames = await readFrames();
    want = expectedPercent('lex', 'i');
    got = await matchedPercent();
    ok(near(got, want, 0.05) && highlighted(one(frames, 'Lexer_init')),
        `the ignore-case toggle makes "lex" match Lexer_init too: ${want}%`, { got, text: await text('#matched') });
    await page.keyboard.press('Control+I');
    await page.waitForTimeout(100);
    frames = await readFrames();
    want = expectedPercent('lex');
    got = await matchedPercent();
    ok(near(got, want, 0.05) && !highlighted(one(frames, 'Lexer_init')), `Ctrl-I toggles it back: ${want}% again`, { got });

    // a bad regular expression is reported on the page, not thrown
    const errorsBefore = pageErrors.length;
    await page.click('#search'); // resets the active search
    await page.waitForTimeout(50);
    promptAnswers = ['walk('];
    await page.click('#search');
    await page.waitForTimeout(150);
    const invalid = await text('#matched');
    ok(promptAnswers.length === 0 && pageErrors.length === errorsBefore && !/\d\s*%/.test(invalid || '') && /\S/.test(invalid || ''),
        'an invalid regex ("walk(") is reported in #matched, no exception', { matched: invalid, errors: pageErrors.slice(errorsBefore) });
    promptAnswers = [];
    await searchWith(() => page.keyboard.press('Control+F'), 'lex');

    // clicking Search while a search is active resets it
    await page.click('#search');
    await page.waitForTimeout(100);
    frames = await readFrames();
    ok(!frames.some(highlighted) && !Number.isFinite(await matchedPercent()) && !params().has('s'),
        'clicking Search again clears the highlight, #matched and the URL', { matched: await text('#matched'), url: page.url() });
});

await step('state in the URL', async () => {
    const pattern = '^(hash|lex)$';
    await page.goto(`${svgUrl}?s=${encodeURIComponent(pattern)}`, { waitUntil: 'load' });
    await page.waitForTimeout(100);
    let frames = await readFrames();
    const want = expectedPercent(pattern);
    ok(near(await matchedPercent(), want, 0.05) && highlighted(one(frames, 'hash')) && highlighted(one(frames, 'lex')),
        `loading with ?s=${pattern} searches at once (${want}%)`, await text('#matched'));

    // zoom and search together survive a reload
    await page.goto(svgUrl, { waitUntil: 'load' });
    await clickFrame('compute');
    await searchWith(() => page.click('#search'), 'cmp');
    const before = page.url();
    const p = params();
    ok(p.has('x') && p.has('y') && p.get('s') === 'cmp', 'zoom and search are both in the URL', before);
    await page.reload({ waitUntil: 'load' });
    await page.waitForTimeout(100);
    frames = await readFrames();
    ok(near(one(frames, 'compute').width, fullWidth, 0.6) && one(frames, 'parse').hidden && highlighted(one(frames, 'cmp')),
        'a reload restores both the zoom and the search', { url: page.url() });
    ok(near(await matchedPercent(), expectedPercent('cmp'), 0.05), `#matched still shows ${expectedPercent('cmp')}% after the reload`,
        await text('#matched'));
    if (SCREENSHOT) {
        await page.screenshot({ path: SCREENSHOT });
        diag(`screenshot: ${SCREENSHOT}`);
    }
});

await step('hygiene', async () => {
    ok(unexpectedDialogs.length === 0, 'no alert or other unexpected dialog ever fired', unexpectedDialogs);
    ok(pageErrors.length === 0, 'no JavaScript error on the page', pageErrors);
    ok(consoleErrors.length === 0, 'no error in the console', consoleErrors);
    ok(foreignRequests.length === 0, 'the SVG loads nothing from outside (self-contained)', foreignRequests);
});

await browser.close();
server.close();
fs.rmSync(workdir, { recursive: true, force: true });
finish();
