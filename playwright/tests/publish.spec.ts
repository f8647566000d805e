// Publishing the lab: dist/ under a sub-path (a GitHub Pages project site), a strict CSP
// with no violations, every request on the page's origin, and offline use after one visit
// through the service worker (the engine's worker included), including a clean update to
// a new build.
import { expect, test, type Page } from '../pages/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LabPage } from '../pages/lab-page';
import { serve } from '../pages/publish-server';

const dist = path.resolve(__dirname, '..', '..', 'dist');

/** Records CSP violations (from the page's own event) and console errors. */
async function watchProblems(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return async () => {
    const csp = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
    return [...problems, ...csp.map((v) => `csp: ${v}`)];
  };
}

test('the lab runs from dist/ served under a sub-path (/sdl/)', async ({ page }) => {
  const server = await serve(dist, '/sdl/');
  try {
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(server.url);
    const lab = new LabPage(page);
    await expect(lab.playToggle).toBeVisible();
    await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForLoadState('networkidle');
    expect(server.missing, 'every asset is found under the sub-path').toEqual([]);
    const outside = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(outside, 'no request leaves /sdl/').toEqual([]);
    // The service worker's scope is the sub-path, not the origin root.
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(server.url);
    // The manifest and its icon resolve under the sub-path too.
    const manifestUrl = await page.locator('link[rel="manifest"]').evaluate((l) => (l as HTMLLinkElement).href);
    expect(manifestUrl).toBe(server.url + 'manifest.webmanifest');
    const manifest = await (await page.request.get(manifestUrl)).json();
    for (const icon of manifest.icons) {
      expect((await page.request.get(new URL(icon.src, manifestUrl).href)).ok(), icon.src).toBe(true);
    }
  } finally {
    await server.close();
  }
});

test.describe(() => {
  // The test injects an inline script to prove the policy blocks it: Chromium says so.
  test.use({ expectedConsoleErrors: [/Executing inline script violates the following Content Security Policy/] });
  test('the CSP forbids inline script and the page runs without a violation', async ({ page, baseURL }) => {
    const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter(
      ([, attrs, body]) => !/\bsrc=/.test(attrs) || body.trim() !== '',
    );
    expect(inline, 'no inline script in dist/index.html').toEqual([]);

    const problems = await watchProblems(page);
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    const lab = new LabPage(page);
    await lab.open();
    await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
    await lab.scenarioToggle('fixed-latency').check();
    await expect(lab.scenarioToggle('fixed-latency')).toBeChecked();
    await page.getByTestId('embed-open').click();
    await expect(page.getByTestId('embed-snippet')).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(await problems()).toEqual([]);
    const origin = new URL(baseURL!).origin;
    expect(requests.filter((u) => new URL(u).origin !== origin && !/^(data|blob):/.test(u))).toEqual([]);

    // The policy is really enforced: an inline script injected now is refused.
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { __inlineRan?: boolean; __cspViolations: string[] };
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return { ran: !!w.__inlineRan, violations: w.__cspViolations.length };
    });
    expect(ran).toEqual({ ran: false, violations: 1 });
  });
});

test('after one visit the lab works offline, and a scenario runs', async ({ page, context }) => {
  test.setTimeout(90_000);
  const server = await serve(dist, '/');
  try {
    await page.goto(server.url);
    const lab = new LabPage(page);
    await expect(lab.playToggle).toBeVisible();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
      }
    });
    // The engine's worker script is part of the precached shell.
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, 'sw-manifest.json'), 'utf8'));
    expect(manifest.files).toContain('engine-worker.js');
    // So is the prose of the catalogue and the tutorials, which the wasm leaves out.
    expect(manifest.files).toContain('docs.json');
    expect(manifest.files.filter((f: string) => /^tutorials-[0-9a-f]{16}\.json$/.test(f))).toHaveLength(1);
    // Saved progress lives in localStorage; it must survive going offline.
    await page.evaluate(() => localStorage.setItem('sdl-offline-check', 'kept'));
    await server.close();
    await context.setOffline(true);

    await page.reload();
    await expect(lab.playToggle).toBeVisible();
    await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
    // Offline, the engine still runs in its worker (its script came from the cache).
    await expect
      .poll(() => page.evaluate(() => !!(window as unknown as { sdlEngineStats?: unknown }).sdlEngineStats))
      .toBe(true);
    await lab.setSpeed('100');
    await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(10);
    const p99 = await lab.value('p99');
    await lab.openScenarioParams('fixed-latency');
    await lab.scenarioParam('fixed-latency', 'delay_ms').fill('250');
    await lab.scenarioParam('fixed-latency', 'delay_ms').press('Enter');
    await lab.scenarioToggle('fixed-latency').check();
    await expect.poll(() => lab.value('p99')).toBeGreaterThan(p99 + 0.2);
    expect(await page.evaluate(() => localStorage.getItem('sdl-offline-check'))).toBe('kept');
    // A deep link with the embed query is the same cached shell.
    await page.goto(server.url + 'index.html?embed=1&scenario=retry-storm');
    await expect(page.getByTestId('embed-lab')).toBeVisible();
    // The catalogue's prose comes from the cache too.
    await page.goto(server.url + 'index.html?view=catalog&item=retry-storm');
    await expect(page.getByTestId('catalog-doc')).toContainText('clients');
  } finally {
    await context.setOffline(false);
    await server.close();
  }
});

test('a new build is installed next to the old one, announced, and replaces it on reload', async ({ page }) => {
  test.setTimeout(90_000);
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'sdl-site-'));
  fs.cpSync(dist, site, { recursive: true });
  const server = await serve(site, '/');
  try {
    await page.goto(server.url);
    await expect(page.getByTestId('play-toggle')).toBeVisible();
    const version = (s: string) => JSON.parse(fs.readFileSync(path.join(s, 'sw-manifest.json'), 'utf8')).version;
    const oldVersion = version(site);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
      }
    });
    expect(await page.evaluate(() => caches.keys())).toEqual([`sdl-lab-${oldVersion}`]);
    await expect(page.getByTestId('update-notice')).toHaveCount(0);

    // "Publish" a new build: a changed stylesheet, then the post-build step as Trunk runs it.
    const css = fs.readdirSync(site).find((f) => f.endsWith('.css'))!;
    fs.appendFileSync(path.join(site, css), '\n/* new build */\n');
    fs.copyFileSync(path.resolve(__dirname, '..', '..', 'static', 'sw.js'), path.join(site, 'sw.js'));
    const { execFileSync } = await import('node:child_process');
    execFileSync('python3', [path.resolve(__dirname, '..', '..', 'scripts', 'postbuild.py'), site]);
    const newVersion = version(site);
    expect(newVersion).not.toBe(oldVersion);

    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    await expect(page.getByTestId('update-notice')).toBeVisible();
    await expect(page.getByTestId('update-notice')).toContainText('new version');
    await Promise.all([page.waitForEvent('load'), page.getByTestId('update-reload').click()]);
    await expect(page.getByTestId('play-toggle')).toBeVisible();
    await expect.poll(() => page.evaluate(() => caches.keys())).toEqual([`sdl-lab-${newVersion}`]);
    await expect(page.getByTestId('update-notice')).toHaveCount(0);
  } finally {
    await server.close();
    fs.rmSync(site, { recursive: true, force: true });
  }
});
