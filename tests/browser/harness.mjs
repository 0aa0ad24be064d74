// harness.mjs — what every browser test script shares (not a test itself:
// tests/run skips it).
//
//   TAP output      ok(), diag(), step() (a group of checks an exception
//                   fails alone), finish() (the plan line, exit status),
//                   startWatchdog() (a hung test fails instead of hanging)
//   ember           EMBER (default build/test/ember, relative to the root
//                   where tests/browser/run starts node), runEmber(),
//                   runFailure() (the detail of a failed run)
//   the browser     CHROMIUM (default /usr/bin/chromium), launchChromium()
//                   (headless, a fresh profile directory removed on close),
//                   blockRequests() (aborts and records any request a test
//                   does not allow), serve() (a tiny HTTP server on
//                   127.0.0.1), textOf()
//
// One test script runs per node process, so the TAP counts are this
// module's own state.

import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export const EMBER = process.env.EMBER || 'build/test/ember';
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// ---- TAP ------------------------------------------------------------------
let checks = 0;
let failures = 0;

// One TAP line; on failure the detail (a string or any JSON value) follows
// as "#   " lines. Returns the condition.
export function ok(condition, name, detail) {
    checks++;
    if (condition) {
        console.log(`ok - ${name}`);
    } else {
        failures++;
        console.log(`not ok - ${name}`);
        if (detail !== undefined)
            for (const line of String(typeof detail === 'string' ? detail : JSON.stringify(detail)).split('\n'))
                console.log(`#   ${line}`);
    }
    return condition;
}

export function diag(message) {
    for (const line of String(message).split('\n')) console.log(`# ${line}`);
}

// Runs one group of checks; an exception fails that group only.
export async function step(name, body) {
    try {
        await body();
    } catch (error) {
        ok(false, `${name} (threw)`, error && error.stack ? error.stack.split('\n').slice(0, 6).join('\n') : error);
    }
}

// Prints the plan and exits: status 1 when any check failed.
export function finish() {
    console.log(`1..${checks}`);
    process.exit(failures ? 1 : 0);
}

// Never hang a test run: fail and exit after WATCHDOG_SECONDS.
export function startWatchdog(defaultSeconds = 180) {
    const seconds = Number(process.env.WATCHDOG_SECONDS || defaultSeconds);
    const watchdog = setTimeout(() => {
        console.log(`not ok - the browser test finished within ${seconds} s`);
        console.log(`1..${checks + 1}`);
        process.exit(1);
    }, 1000 * seconds);
    watchdog.unref();
}

export const near = (a, b, tolerance) => Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tolerance;

// ---- ember ----------------------------------------------------------------
// Runs the test build of ember (leaks detected unless ASAN_OPTIONS says
// otherwise); returns spawnSync's result, stdout and stderr as text.
export function runEmber(args) {
    return spawnSync(EMBER, args, {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1' },
    });
}

// Why a run of runEmber() failed, for a check's detail.
export function runFailure(run) {
    return run.error ? String(run.error) : `exit ${run.status}\n${(run.stderr || '').slice(0, 2000)}`;
}

// ---- the browser ----------------------------------------------------------
// Starts headless Chromium with a fresh profile. Returns { context, page,
// close() }, or null after a failed check when Chromium does not start.
export async function launchChromium(viewport) {
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ember-chromium-'));
    let context;
    try {
        context = await chromium.launchPersistentContext(profileDir, {
            executablePath: CHROMIUM,
            headless: true,
            args: [
                '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
            ],
            viewport,
            timeout: 60000,
        });
    } catch (error) {
        ok(false, `Chromium starts (${CHROMIUM})`, String(error).slice(0, 2000));
        fs.rmSync(profileDir, { recursive: true, force: true });
        return null;
    }
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(5000);
    return {
        context,
        page,
        async close() {
            await context.close().catch(() => {});
            fs.rmSync(profileDir, { recursive: true, force: true });
        },
    };
}

// Aborts every request of the context whose URL allowed(url) refuses;
// returns the array where those URLs are recorded.
export async function blockRequests(context, allowed) {
    const blocked = [];
    await context.route('**/*', (route) => {
        const url = route.request().url();
        if (allowed(url)) return route.continue();
        blocked.push(url);
        return route.abort();
    });
    return blocked;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
    '.wasm': 'application/wasm', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.txt': 'text/plain' };

// Serves routes ({ '/path': { type, body } }, never cached) and, when root
// is given, the files under root (/ is index.html) from 127.0.0.1 on a free
// port; anything else is a 404. Returns { origin, close() }.
export async function serve(routes, root = null) {
    const server = http.createServer((request, response) => {
        const url = new URL(request.url, 'http://127.0.0.1');
        const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : null;
        if (route) {
            response.writeHead(200, { 'Content-Type': route.type, 'Cache-Control': 'no-store' });
            response.end(route.body);
            return;
        }
        const file = root && path.normalize(path.join(root, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname)));
        if (!file || !file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            response.writeHead(404, { 'Content-Type': 'text/plain' });
            response.end('not found\n');
            return;
        }
        response.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
        response.end(fs.readFileSync(file));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

// The text of the first element matching selector, null when none does.
export function textOf(page, selector) {
    return page.evaluate((s) => {
        const e = document.querySelector(s);
        return e ? e.textContent : null;
    }, selector);
}
