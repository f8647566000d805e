// Sharing, comparing, exporting and the catalogue: a link reproduces a run's numbers in a
// fresh page; a broken link opens the lab with a message; exported files parse and a
// configuration round-trips through import; the compare table and baseline lines
// appear; the catalogue finds an item and opens it in the lab; all accessible and
// usable at 375 px.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '../pages/test';
import { StatePage } from '../pages/state-page';

// Replays, several pages and axe over a long page take a while on a shared machine.
test.describe.configure({ timeout: 180_000 });

const LINK = 'system=web&seed=7&s=fixed-latency&fixed-latency.delay_ms=200&t=20&paused=1';

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a shared link reproduces the same summary numbers in a fresh page', async ({ page, browser }) => {
  const lab = new StatePage(page);
  await lab.openLink(LINK);
  expect(await lab.virtualSeconds()).toBe(20);
  await expect(lab.playToggle).toHaveText('Play');
  await expect(lab.seedInput).toHaveValue('7');
  await expect(lab.scenarioToggle('fixed-latency')).toBeChecked();
  const first = await lab.summary();
  expect(first.p50, 'the 200 ms delay shows in the median').toBeGreaterThan(0.2);
  expect(first.throughput).toBeGreaterThan(0);

  // The same link in another browser context: the same numbers, to the last bit.
  const other = await browser.newContext();
  const second = new StatePage(await other.newPage());
  await second.openLink(LINK);
  expect(await second.summary()).toEqual(first);

  // A run played, paused at whatever time, copied and opened fresh: the same numbers.
  await second.setSpeed('100');
  await second.playToggle.click();
  await expect.poll(() => second.virtualSeconds()).toBeGreaterThan(25);
  await second.pause();
  const paused = await second.summary();
  const copied = await second.copiedLink();
  expect(copied).toContain('seed=7');
  expect(copied).toContain('s=fixed-latency');
  expect(copied).toMatch(/[?&]t=\d/);
  expect(copied).toContain('paused=1');
  expect(new URL(copied).search, 'the address bar holds the state too').toBe(
    new URL(second.page.url()).search,
  );
  const third = new StatePage(await other.newPage());
  await third.page.goto(copied);
  await expect(third.page.getByTestId('replay-progress')).toHaveCount(0, { timeout: 20_000 });
  expect(await third.virtualSeconds()).toBe(await second.virtualSeconds());
  expect(await third.summary()).toEqual(paused);
  await other.close();
});

test('the address bar follows the lab as it changes', async ({ page }) => {
  const lab = new StatePage(page);
  await lab.open();
  await expect(page).toHaveURL(/\?system=web&seed=1/);
  await lab.scenarioToggle('error-burst').check();
  await expect(page).toHaveURL(/[?&]s=error-burst/);
  await lab.setSpeed('100');
  await expect(page).toHaveURL(/[?&]speed=100/);
  await lab.pause();
  await expect(page).toHaveURL(/[?&]t=[\d.]+&paused=1/);
});

test('a corrupted link shows what was ignored and why, and the lab still works', async ({ page }) => {
  const lab = new StatePage(page);
  await lab.openLink('seed=banana&s=no-such-fault,fixed-latency&workers=0&t=soon&fixed-latency.delay_ms=-3&%%=&junk');
  await expect(lab.notice).toBeVisible();
  for (const text of ['`banana` for `seed`', 'no-such-fault', '`workers`', '`soon` for `t`', 'fixed-latency.delay_ms', '`junk` has no value']) {
    await expect(lab.notice).toContainText(text);
  }
  await expect(lab.scenarioToggle('fixed-latency')).toBeChecked();
  await expect.poll(() => lab.virtualSeconds(), { message: 'the lab runs' }).toBeGreaterThan(1);
  await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  await page.getByTestId('link-notice-dismiss').click();
  await expect(lab.notice).toHaveCount(0);

  // Pure garbage still opens a working lab.
  await lab.openLink('%E0%A4%A=%&&==&t=99999999&system=%00');
  await expect(lab.notice).toContainText('out of range');
  await expect(lab.notice).toContainText('unknown system');
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(1);
});

test('exported files parse and a configuration round-trips through import', async ({ page }) => {
  const lab = new StatePage(page);
  await lab.openLink('system=web&seed=9&s=retry-storm&retry-storm.retries=2&m=breaker&t=15&paused=1');

  const prom = await lab.download('export-prometheus');
  expect(prom.name).toMatch(/\.prom$/);
  expect(prom.body.toString()).toContain('# TYPE ');
  expect(prom.body.toString()).toMatch(/^http_requests_total\{.*\} \d+/m);

  const csv = (await lab.download('export-csv')).body.toString().trim().split('\n');
  expect(csv[0].split(',').slice(0, 3)).toEqual(['t_s', 'throughput_rps', 'error_rate']);
  expect(csv.length).toBeGreaterThan(10);

  const json = JSON.parse((await lab.download('export-json')).body.toString());
  expect(json.format).toBe('sdl-series');
  expect(json.series.latency_p99_s.length).toBeGreaterThan(10);

  // For real tools (issue 23): the history as OpenMetrics, rules, a Grafana dashboard,
  // traces as OTLP JSON.
  const om = await lab.download('export-openmetrics');
  expect(om.name).toMatch(/\.om\.txt$/);
  expect(om.body.toString()).toMatch(/^# TYPE http_requests counter$/m);
  expect(om.body.toString().endsWith('# EOF\n')).toBe(true);
  const rules = (await lab.download('export-rules')).body.toString();
  expect(rules).toContain('groups:\n  - name: sdl-lab\n    rules:\n      - alert: LatencySLOBreach');
  const grafana = JSON.parse((await lab.download('export-grafana')).body.toString());
  expect(grafana.schemaVersion).toBe(39);
  expect(grafana.panels.map((p: { title: string }) => p.title)).toContain('Latency');
  const targets = grafana.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
  expect(targets).toContain('latency_p99_s');
  expect(targets.some((e: string) => e.includes('retry'))).toBe(true);
  const otlp = JSON.parse((await lab.download('export-traces')).body.toString());
  expect(otlp.resourceSpans[0].resource.attributes[0].key).toBe('service.name');
  expect(otlp.resourceSpans[0].scopeSpans[0].spans[0].traceId).toMatch(/^[0-9a-f]{32}$/);

  const png = (await lab.download('export-png')).body;
  expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);

  const config = await lab.download('export-config');
  const parsed = JSON.parse(config.body.toString());
  expect(parsed).toMatchObject({ format: 'sdl-lab-config', version: 2, system: 'web', seed: 9 });
  expect(parsed.scenarios).toEqual([{ id: 'retry-storm', params: { retries: '2' } }]);
  expect(parsed.mitigations).toEqual([{ id: 'breaker', params: {} }]);
  const before = await lab.summary();

  // Change everything, then import: the lab is back where the file says, same numbers.
  await lab.openLink('system=web&seed=3&s=retry-storm&retry-storm.retries=5&workers=3');
  await expect(page.getByTestId('scenario-param-retry-storm-retries')).toHaveValue('5');
  await expect(page.getByTestId('param-workers')).toHaveValue('3');
  await lab.importConfig('lab.json', config.body);
  await expect(page.getByTestId('export-status')).toContainText('Loaded lab.json');
  await expect(page.getByTestId('replay-progress')).toHaveCount(0, { timeout: 20_000 });
  await expect(lab.seedInput).toHaveValue('9');
  await expect(lab.scenarioToggle('retry-storm')).toBeChecked();
  // The forms show the file's values, not those they were drawn with.
  await expect(page.getByTestId('scenario-param-retry-storm-retries')).toHaveValue('2');
  await expect(page.getByTestId('param-workers')).not.toHaveValue('3');
  expect(await lab.summary()).toEqual(before);

  // A bad file is refused with what is wrong, and changes nothing.
  await lab.importConfig('future.json', '{"format":"sdl-lab-config","version":3}');
  await expect(lab.importErrors).toContainText('unknown configuration version 3');
  await lab.importConfig('typo.json', JSON.stringify({ ...parsed, scenarios: [{ id: 'retry-strom' }] }));
  await expect(lab.importErrors).toContainText('unknown scenario or mitigation `retry-strom`');
  await lab.importConfig('field.json', JSON.stringify({ ...parsed, colour: 'red' }));
  await expect(lab.importErrors).toContainText('unknown field `colour`');
  await lab.importConfig('junk.json', 'not json at all');
  await expect(lab.importErrors).toContainText('not a lab configuration');
  await expect(lab.seedInput).toHaveValue('9');
});

test('keep as baseline: the compare table and the baseline lines appear', async ({ page }) => {
  const lab = new StatePage(page);
  await lab.openLink('system=web&seed=5&t=20&paused=1');
  await expect(page.getByTestId('baseline-line-latency_p99_s')).toHaveAttribute('d', '');
  await page.getByTestId('keep-baseline').click();
  await expect(page.getByTestId('baseline-info')).toContainText('seed=5');
  await expect(page.getByTestId('baseline-line-latency_p99_s')).not.toHaveAttribute('d', '');
  await expect(page.getByTestId('delta-p99')).toHaveText('no change');

  // The same run with a 300 ms fault: latency is worse, by about the delay.
  await lab.openScenarioParams('fixed-latency');
  await lab.scenarioParam('fixed-latency', 'delay_ms').fill('300');
  await lab.scenarioParam('fixed-latency', 'delay_ms').press('Enter');
  await lab.scenarioToggle('fixed-latency').check();
  await lab.resetButton.click();
  await lab.playToggle.click();
  await lab.setSpeed('100');
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(15);
  await lab.pause();
  const baseP50 = Number(await page.getByTestId('baseline-p50').getAttribute('data-value'));
  const now = await lab.summary();
  expect(now.p50 - baseP50).toBeGreaterThan(0.25);
  await expect(page.getByTestId('delta-p50')).toContainText('worse');
  await page.getByTestId('clear-baseline').click();
  await expect(page.getByTestId('baseline-p50')).toHaveCount(0);
});

test('the catalogue finds retry-storm and "Open in lab" switches it on', async ({ page }) => {
  const lab = new StatePage(page);
  await lab.open();
  await lab.openCatalog();
  await expect(page).toHaveURL(/\?view=catalog$/);
  await page.getByTestId('catalog-search').fill('retry storm');
  await expect(lab.catalogItem('retry-storm')).toBeVisible();
  await expect(lab.catalogItem('fixed-latency')).toHaveCount(0);
  await page.getByTestId('catalog-search').fill('');

  // Filters narrow the list.
  await page.getByTestId('catalog-kind').selectOption('Mitigation');
  await expect(lab.catalogItem('breaker')).toBeVisible();
  await expect(lab.catalogItem('retry-storm')).toHaveCount(0);
  await page.getByTestId('catalog-kind').selectOption('');
  await page.getByTestId('catalog-metric').selectOption('retry_attempts_total');
  await expect(lab.catalogItem('retry-storm')).toBeVisible();
  await expect(lab.catalogItem('fixed-latency')).toHaveCount(0);

  await lab.catalogItem('retry-storm').getByRole('link').click();
  await expect(page).toHaveURL(/view=catalog&item=retry-storm/);
  await expect(page.getByTestId('catalog-page-title')).toHaveText('Retry storm');
  await expect(page.getByTestId('catalog-doc').locator('pre')).toContainText('clients');
  await expect(page.getByTestId('catalog-params')).toContainText('retry-storm.retries');
  await expect(page.getByTestId('catalog-metrics')).toContainText('retry_attempts_total');

  await page.goBack();
  await expect(page.getByTestId('catalog')).toBeVisible();
  await page.goForward();
  await page.getByTestId('open-in-lab').click();
  await expect(lab.scenarioToggle('retry-storm')).toBeChecked();
  await expect(page).toHaveURL(/s=retry-storm/);
  await expect(lab.notice).toHaveCount(0);
});

test('the markdown renderer never makes a javascript: link', async ({ page }) => {
  // The docs are trusted, but the renderer is reused for other prose: check the item
  // pages as rendered hold no script links and no raw HTML from the text.
  const lab = new StatePage(page);
  await lab.openLink('view=catalog&item=retry-storm');
  const hrefs = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  expect(hrefs.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
  await expect(page.getByTestId('catalog-doc').locator('strong')).toContainText('after the trigger has ended');
});

test("the catalogue's prose loads beside the page, once", async ({ page }) => {
  // The wasm leaves the prose out; docs.json comes when the catalogue first opens.
  const fetched: string[] = [];
  page.on('request', (r) => r.url().endsWith('/docs.json') && fetched.push(r.url()));
  const lab = new StatePage(page);
  await lab.openLink('view=catalog&item=retry-storm');
  await expect(page.getByTestId('catalog-doc')).toContainText('clients');
  await page.getByRole('link', { name: 'Catalogue', exact: true }).first().click();
  await page.getByTestId('catalog-search').fill('stampede');
  await expect(page.getByTestId('catalog-count')).not.toHaveText('0 items');
  expect(fetched).toHaveLength(1);
});

test.describe(() => {
  // The 404 below is the point; the browser reports it on the console.
  test.use({ expectedConsoleErrors: [/Failed to load resource: .*404/] });
  test('when the catalogue prose cannot load, the page says so and the rest works', async ({ page }) => {
    // Routed before the first visit: no service worker answers from its cache yet.
    await page.route('**/docs.json', (r) => r.fulfill({ status: 404, body: 'missing' }));
    const lab = new StatePage(page);
    await lab.openLink('view=catalog&item=retry-storm');
    await expect(page.getByTestId('catalog-doc-error')).toContainText('docs.json: HTTP 404');
    await expect(page.getByTestId('catalog-params')).toContainText('retry-storm.retries');
    await expect(page.getByTestId('catalog-page-title')).toHaveText('Retry storm');
  });
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`sharing, comparing, exporting and the catalogue are axe-clean (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    const lab = new StatePage(page);
    await lab.openLink('seed=2&s=fixed-latency,nope&t=10&paused=1');
    await expect(lab.notice).toBeVisible();
    await page.getByTestId('keep-baseline').click();
    await lab.copiedLink();
    await lab.importConfig('bad.json', '{"format":"x"}');
    await expect(lab.importErrors).not.toBeEmpty();
    expect(await seriousViolations(page)).toEqual([]);

    await lab.openCatalog();
    expect(await seriousViolations(page)).toEqual([]);
    await lab.catalogItem('retry-storm').getByRole('link').click();
    await expect(page.getByTestId('catalog-page')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test('share, compare, export and the catalogue fit a 375 px phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const lab = new StatePage(page);
  const fits = async () => {
    const o = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(o.scroll, JSON.stringify(o)).toBeLessThanOrEqual(o.client);
  };
  await lab.openLink('seed=2&s=nope&t=10&paused=1');
  await page.getByTestId('keep-baseline').click();
  await lab.copiedLink();
  await expect(lab.compareTable).toBeVisible();
  await fits();
  await lab.openLink('view=catalog&item=retry-storm');
  await expect(page.getByTestId('catalog-page')).toBeVisible();
  await fits();
  await lab.openLink('view=catalog');
  await fits();
});

// Issue 18, defects 4 and 5: a replay can be stopped (its Stop, Pause, Reset), and a
// hostile but valid link stops at the engine's memory ceiling with a message instead
// of growing the worker past a gigabyte for hours.
test('a link being replayed can be stopped where it is, by Stop, Pause or Reset', async ({ page }) => {
  const progress = page.getByTestId('replay-progress');
  const urlT = () => new URL(page.url()).searchParams.get('t');
  const replay = (query: string) => page.goto(`./?${query}`);

  await replay('t=86400&seed=4');
  await expect(progress).toBeVisible();
  await page.getByTestId('replay-stop').click();
  await expect(progress).toHaveCount(0);
  await expect(page.getByTestId('play-toggle')).toHaveText('Play');
  const stoppedAt = Number(await page.getByTestId('virtual-time').getAttribute('data-ns'));
  expect(stoppedAt).toBeLessThan(86_400e9);
  // The address bar holds where it stopped (to the nanosecond: the link reads back).
  await expect.poll(() => Math.abs(Number(urlT()) * 1e9 - stoppedAt)).toBeLessThan(1000);

  await replay('t=86400&seed=5');
  await expect(progress).toBeVisible();
  await expect(page.getByTestId('play-toggle')).toHaveText('Pause');
  await page.getByTestId('play-toggle').click();
  await expect(progress).toHaveCount(0);
  await expect(page.getByTestId('play-toggle')).toHaveText('Play');

  await replay('t=86400&seed=6');
  await expect(progress).toBeVisible();
  await page.getByTestId('reset').click();
  await expect(progress).toHaveCount(0);
  await expect.poll(urlT).not.toBe('86400');
  expect(Number(await page.getByTestId('virtual-time').getAttribute('data-ns'))).toBeLessThan(86_400e9);
});

test('a hostile link stops at the memory ceiling and says why', async ({ page }) => {
  test.setTimeout(90_000);
  const lab = new StatePage(page);
  await lab.openLink('t=86400&arrival_rate_rps=1000000&instances=256&workers=4096');
  await expect(page.getByTestId('run-error')).toContainText('MB of memory', { timeout: 60_000 });
  await expect(page.getByTestId('run-error')).toContainText('press Reset');
  await expect(page.getByTestId('run-status')).toContainText('out of memory');
  await expect(page.getByTestId('replay-progress')).toHaveCount(0);
  const at = await page.getByTestId('virtual-time').getAttribute('data-ns');
  await page.waitForTimeout(500);
  expect(await page.getByTestId('virtual-time').getAttribute('data-ns')).toBe(at);
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('run-error')).not.toContainText('MB of memory');
});

// Issue 25: one vocabulary for links. The embed's `scenario=` opens the full lab with it
// switched on (it used to be refused as an unknown parameter listing 55 others), and a
// misspelt key is answered with the nearest allowed ones.
test('the embed’s scenario= works in the full lab; a misspelt key gets the nearest names', async ({ page }) => {
  await page.goto('./?scenario=retry-storm');
  await expect(page.getByTestId('scenario-toggle-retry-storm')).toBeChecked();
  await expect(page.getByTestId('link-notice')).toHaveCount(0);
  await page.goto('./?arrival_rate=300');
  const notice = page.getByTestId('link-notice');
  await expect(notice).toContainText('unknown parameter `arrival_rate` (allowed: arrival_rate_rps, ');
  await expect(notice).toContainText('more)');
});
