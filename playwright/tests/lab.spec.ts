// The lab page as a learner meets it: it loads cleanly and moves, a fault lifts the tail
// latency, bad input is refused with the engine's message, and it is accessible, usable
// on a phone and self-contained (no request leaves the page's origin).
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type ConsoleMessage } from '../pages/test';
import { LabPage } from '../pages/lab-page';

test('loads without console errors, the engine in its worker, and the charts move within 2 seconds', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));

  const lab = new LabPage(page);
  await lab.open();
  await expect.poll(() => lab.value('throughput'), { timeout: 2_000 }).toBeGreaterThan(0);

  const before = { t: await lab.virtualSeconds(), paths: await lab.chartPaths('latency') };
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(before.t + 2);
  await expect.poll(() => lab.chartPaths('latency')).not.toEqual(before.paths);
  for (const name of ['throughput', 'p50', 'p95', 'p99', 'utilization']) {
    expect(await lab.value(name), name).toBeGreaterThan(0);
  }
  // The engine runs in its Web Worker (the page only draws): the worker reports its memory.
  expect(page.workers().map((w) => new URL(w.url()).pathname)).toContain('/engine-worker.js');
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { sdlEngineStats?: { wasmBytes: number } }).sdlEngineStats?.wasmBytes ?? 0))
    .toBeGreaterThan(0);
  expect(problems, problems.join('\n')).toEqual([]);
});

test('switching fixed-latency on raises the displayed p99 without a reset', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open();
  await lab.setSpeed('100');
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(10);
  const p99Before = await lab.value('p99');
  const tBefore = await lab.virtualSeconds();
  expect(p99Before).toBeGreaterThan(0);

  await lab.openScenarioParams('fixed-latency');
  await lab.scenarioParam('fixed-latency', 'delay_ms').fill('250');
  await lab.scenarioParam('fixed-latency', 'delay_ms').press('Enter');
  await lab.scenarioToggle('fixed-latency').check();
  await expect(lab.scenarioToggle('fixed-latency')).toBeChecked();

  await expect.poll(() => lab.value('p99')).toBeGreaterThan(p99Before + 0.2);
  expect(await lab.virtualSeconds(), 'the run went on').toBeGreaterThan(tBefore);
  await expect(page.getByTestId('value-p99')).toContainText(/ms|s/);
});

test('an invalid parameter shows the message beside the field and is not applied', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open();
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(1);
  await lab.pause();
  const t = await lab.virtualSeconds();

  await lab.setParam('workers', '0');
  await expect(lab.paramError('workers')).toContainText('workers');
  await expect(lab.paramError('workers')).toContainText('out of range');
  await expect(lab.param('workers')).toHaveAttribute('aria-invalid', 'true');
  expect(await lab.virtualSeconds(), 'a refused value must not restart the run').toBe(t);

  await lab.setParam('workers', 'lots');
  await expect(lab.paramError('workers')).toContainText('expected an integer');
  expect(await lab.virtualSeconds()).toBe(t);

  await lab.setParam('workers', '8');
  await expect(lab.paramError('workers')).toBeEmpty();
  await expect.poll(() => lab.virtualSeconds(), { message: 'a valid value restarts the run' }).toBe(0);
});

test('space plays and pauses; speed, seed and system controls work', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.open();
  await expect(lab.playToggle).toHaveText('Pause');
  await page.locator('body').press('Space');
  await expect(lab.playToggle).toHaveText('Play');
  await page.locator('body').press('Space');
  await expect(lab.playToggle).toHaveText('Pause');

  await lab.setSpeed('max');
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(30);

  await lab.systemSelect.selectOption('queue');
  await expect(lab.param('service_time_ms')).toBeVisible();
  await expect(lab.param('instances')).toHaveCount(0);

  await lab.pause();
  await lab.seedInput.fill('7');
  await lab.seedInput.press('Enter');
  await expect.poll(() => lab.virtualSeconds()).toBe(0);
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`axe-core finds no serious or critical violations (${colorScheme} theme)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    const lab = new LabPage(page);
    await lab.open();
    await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
    // With an error message and a switched-on scenario showing, too.
    await lab.param('workers').fill('0');
    await lab.param('workers').press('Tab');
    await expect(lab.paramError('workers')).not.toBeEmpty();
    await lab.scenarioToggle('fixed-latency').check();
    await lab.pause(); // a still page: axe reads a stable DOM, faster

    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    ).toEqual([]);
  });
}

// Issue 25: the learner chooses the theme (System / Light / Dark); it is remembered and
// applied before the app starts, over the system's preference, and the charts follow.
test('the theme chosen in the header is kept across a reload, over the system preference, and axe-clean', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  const lab = new LabPage(page);
  await lab.open();
  await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const series = () =>
    page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--s1').trim());
  const light = await bg();
  expect(light).toBe('rgb(245, 247, 250)');
  await expect(page.getByTestId('theme-select')).toHaveValue('system');
  await page.getByTestId('theme-select').selectOption('dark');
  await expect.poll(bg).toBe('rgb(13, 19, 32)');
  expect(await series()).toBe('#7aa7ff');
  await page.reload();
  await expect(page.getByTestId('theme-select')).toHaveValue('dark');
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  expect(await bg()).toBe('rgb(13, 19, 32)');
  await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  await lab.pause();
  for (const theme of ['dark', 'light'] as const) {
    await page.getByTestId('theme-select').selectOption(theme);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${theme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
  // Light chosen on a dark system stays light; System follows the system again.
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await bg()).toBe(light);
  await page.getByTestId('theme-select').selectOption('system');
  await expect.poll(bg).toBe('rgb(13, 19, 32)');
  expect(await page.evaluate(() => localStorage.getItem('sdl-theme'))).toBeNull();
});

for (const theme of ['light', 'dark'] as const) {
  for (const width of [1280, 375]) {
    test(`screenshot: the ${theme} theme at ${width} px fits without horizontal scrolling`, async ({ page }, info) => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('./index.html');
      await page.evaluate((t) => localStorage.setItem('sdl-theme', t), theme);
      const lab = new LabPage(page);
      await lab.open();
      await expect(page.getByTestId('theme-select')).toHaveValue(theme);
      await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
      await lab.pause();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: info.outputPath(`theme-${theme}-${width}.png`) });
      await page.keyboard.press('/');
      await page.getByTestId('palette-filter-component').selectOption('cache');
      await page.screenshot({ path: info.outputPath(`palette-${theme}-${width}.png`) });
    });
  }
}

test('with reduced motion the values still update, in calmer steps', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const lab = new LabPage(page);
  await lab.open();
  await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  const t = await lab.virtualSeconds();
  await expect.poll(() => lab.virtualSeconds(), { timeout: 5_000 }).toBeGreaterThan(t);
});

test('the page fits a 375 px wide phone without horizontal scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const lab = new LabPage(page);
  await lab.open();
  await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  const overflow = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(overflow.scroll, JSON.stringify(overflow)).toBeLessThanOrEqual(overflow.client);
  await expect(page.getByTestId('chart-latency')).toBeVisible();
});

test('every request stays on the page origin', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const requests: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  const lab = new LabPage(page);
  await lab.open();
  await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  await page.waitForLoadState('networkidle');

  const foreign = requests.filter((url) => {
    const u = new URL(url);
    return !['data:', 'blob:'].includes(u.protocol) && u.origin !== origin;
  });
  expect(requests.length).toBeGreaterThan(0);
  expect(foreign).toEqual([]);
});

test('the catalogue and an embed each have one main landmark, and the skip link lands in the view', async ({ page }) => {
  // Issue 18: the catalogue's skip link pointed at the lab's dashboard, absent there, and
  // an embed had no main landmark (axe `skip-link`, `landmark-one-main`, `region`).
  const rules = ['skip-link', 'landmark-one-main', 'region'];
  await page.goto('./index.html?view=catalog');
  await expect(page.locator('main.catalog-main')).toBeVisible();
  const catalog = await new AxeBuilder({ page }).withRules(rules).analyze();
  expect(catalog.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await expect(page.locator('a.skip-link')).toHaveAttribute('href', '#catalog-main');

  await page.goto('./index.html?embed=1&scenario=retry-storm');
  await expect(page.getByTestId('embed-lab')).toBeVisible();
  const embed = await new AxeBuilder({ page }).withRules(rules).analyze();
  expect(embed.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});

// Issue 25: any scenario is found and switched on in a few keystrokes.
test('the palette finds and switches on five scenarios by typing, and lists what is on first', async ({ page }) => {
  await page.goto('./index.html');
  await expect(page.getByTestId('palette-open')).toBeVisible();
  for (const [typed, id] of [
    ['storm', 'retry-storm'],
    ['stamp', 'cache-stampede'],
    ['n plus', 'n-plus-one-query'],
    ['leaking', 'memory-leak'],
    ['slow db', 'slow-db-query'],
  ]) {
    await page.keyboard.press('/');
    await expect(page.getByTestId('palette')).toBeVisible();
    await page.keyboard.type(typed);
    await expect(page.getByTestId(`palette-option-${id}`)).toBeVisible();
    // The best match is first: Enter switches it on and closes the palette.
    await expect(page.getByTestId('palette-list').locator('li').first()).toHaveAttribute('data-testid', `palette-option-${id}`);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('palette')).toBeHidden();
    await expect(page.getByTestId(`scenario-toggle-${id}`)).toBeChecked();
  }
  // With nothing typed, what is on comes first; the arrow keys move, Enter switches off.
  await page.keyboard.press('/');
  const first = page.getByTestId('palette-list').locator('li').first();
  await expect(first).toContainText('· on');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('palette-status')).toContainText('switched off');
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations).toEqual([]);
});

// Issue 25: the palette's filters narrow the matches by component, kind and category,
// with the words typed, and say how many match.
test('the palette filters to one component and lists only the switches that strike or act on it', async ({ page }) => {
  await page.goto('./index.html');
  await expect(page.getByTestId('palette-open')).toBeVisible();
  await page.keyboard.press('/');
  await expect(page.getByTestId('palette')).toBeVisible();
  const count = page.getByTestId('palette-count');
  await expect(count).toHaveAttribute('role', 'status');
  const before = await count.textContent();
  // Keyboard only: Tab from the search field to the component filter, choose Cache.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('palette-filter-component')).toBeFocused();
  await page.getByTestId('palette-filter-component').selectOption('cache');
  await expect(count).not.toHaveText(before!);
  const options = page.getByTestId('palette-list').locator('li');
  await expect(options.first()).toBeVisible();
  const ids = await options.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace('palette-option-', '')));
  expect(ids.length).toBeGreaterThan(0);
  // Every one listed is a cache switch: the catalogue says so in its id, title or summary.
  expect(ids).toContain('cache-stampede');
  expect(ids).not.toContain('retry-storm');
  expect(ids).not.toContain('slow-db-query');
  // Combined with the kind and the words typed.
  await page.getByTestId('palette-filter-kind').selectOption('scenario');
  await page.getByTestId('palette-input').fill('stamp');
  await expect(options.first()).toHaveAttribute('data-testid', 'palette-option-cache-stampede');
  await expect(options.locator('.badge', { hasText: 'mitigation' })).toHaveCount(0);
  await page.getByTestId('palette-input').fill('storm');
  await expect(options).toHaveCount(0);
  await expect(count).toHaveText('No matches.');
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations).toEqual([]);
  // Reopened, the filters are cleared.
  await page.keyboard.press('Escape');
  await page.keyboard.press('/');
  await expect(page.getByTestId('palette-filter-component')).toHaveValue('');
});
