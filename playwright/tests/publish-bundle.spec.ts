// `make bundle`: the zip of the site serves from a plain static server, and the single
// self-contained HTML file runs from file:// with no server, no request and no CSP
// violation. The bundler runs here on the current dist/, into a temporary folder.
import { expect, test } from '../pages/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabPage } from '../pages/lab-page';
import { serve } from '../pages/publish-server';

const root = path.resolve(__dirname, '..', '..');
let out: string;

test.beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'sdl-bundle-'));
  execFileSync('python3', [path.join(root, 'scripts', 'bundle.py'), '--dist', path.join(root, 'dist'), '--out', out]);
});
test.afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

test('the single HTML file runs from file:// with nothing fetched and no CSP violation', async ({ page }) => {
  test.setTimeout(60_000);
  const file = path.join(out, 'sdl-lab.html');
  const html = fs.readFileSync(file, 'utf8');
  expect(html).not.toMatch(/<script[^>]+src=/);
  expect(html).not.toMatch(/<link[^>]+href="(?!data:)/);

  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP: ${e.violatedDirective} ${e.blockedURI}`));
  });

  const url = pathToFileURL(file).href;
  await page.goto(url);
  const lab = new LabPage(page);
  await expect(lab.playToggle).toBeVisible();
  await lab.setSpeed('100');
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(10);
  const p99 = await lab.value('p99');
  await lab.openScenarioParams('fixed-latency');
  await lab.scenarioParam('fixed-latency', 'delay_ms').fill('250');
  await lab.scenarioParam('fixed-latency', 'delay_ms').press('Enter');
  await lab.scenarioToggle('fixed-latency').check();
  await expect.poll(() => lab.value('p99')).toBeGreaterThan(p99 + 0.2);
  expect(problems).toEqual([]);
  expect(requests.filter((u) => u !== url && !u.startsWith('data:'))).toEqual([]);
  // From disk there is no worker to start: the page runs the engine itself.
  expect(page.workers()).toEqual([]);

  // Its embed mode works from disk too, and links back to the same file.
  await page.goto(`${url}?embed=1&scenario=retry-storm`);
  await expect(page.getByTestId('embed-lab')).toBeVisible();
  await expect(page.getByTestId('open-full-lab')).toHaveAttribute('href', /^sdl-lab\.html\?/);

  // The catalogue's prose is in the file (a data block), not fetched.
  await page.goto(`${url}?view=catalog&item=retry-storm`);
  await expect(page.getByTestId('catalog-doc')).toContainText('clients');
  await expect(page.getByTestId('catalog-doc-error')).toHaveCount(0);
  // So is the tutorials' prose.
  await page.goto(`${url}?tutorial=latency-baseline&step=1`);
  await expect(page.getByTestId('step')).toContainText('Every later tutorial in this series compares');
  await expect(page.getByTestId('tutorial-load-error')).toHaveCount(0);
  expect(problems).toEqual([]);
  expect(requests.filter((u) => !u.startsWith(url.split('?')[0]) && !u.startsWith('data:'))).toEqual([]);
});

test('the site zip unpacks into a folder any static server can serve', async ({ page }) => {
  const zip = path.join(out, 'sdl-lab-site.zip');
  const unpacked = path.join(out, 'unpacked');
  execFileSync('python3', ['-m', 'zipfile', '-e', zip, unpacked]);
  const site = path.join(unpacked, 'sdl-lab');
  expect(fs.existsSync(path.join(site, 'README.txt'))).toBe(true);
  for (const f of fs.readdirSync(path.join(root, 'dist'))) {
    expect(fs.readFileSync(path.join(site, f)).equals(fs.readFileSync(path.join(root, 'dist', f))), f).toBe(true);
  }
  const server = await serve(site, '/classroom/');
  try {
    await page.goto(server.url);
    const lab = new LabPage(page);
    await expect(lab.playToggle).toBeVisible();
    await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
    expect(server.missing).toEqual([]);
  } finally {
    await server.close();
  }
});

test('the bundle is reproducible: the same dist/ gives the same bytes', () => {
  const again = fs.mkdtempSync(path.join(os.tmpdir(), 'sdl-bundle-'));
  try {
    execFileSync('python3', [path.join(root, 'scripts', 'bundle.py'), '--dist', path.join(root, 'dist'), '--out', again]);
    for (const f of ['sdl-lab-site.zip', 'sdl-lab.html']) {
      expect(fs.readFileSync(path.join(again, f)).equals(fs.readFileSync(path.join(out, f))), f).toBe(true);
    }
  } finally {
    fs.rmSync(again, { recursive: true, force: true });
  }
});
