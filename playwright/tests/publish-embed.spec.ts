// Embedding the lab in documentation: the compact embed (?embed=1), the example docs
// page with two labs (sized from their height messages; the off-screen one paused, with
// the numbers measured), the full lab's "Embed" snippet, and the "Open in full lab" link.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type FrameLocator, type Page } from '../pages/test';
import { LabPage } from '../pages/lab-page';

const ns = async (frame: FrameLocator) => Number(await frame.getByTestId('virtual-time').getAttribute('data-ns'));

/** A reader of the time the page's renderer has spent running script so far (ms). */
async function scriptClock(page: Page): Promise<() => Promise<number>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return 1000 * (metrics.find((m) => m.name === 'ScriptDuration')?.value ?? 0);
  };
}

test('the example docs page: two labs sized to their content; the off-screen one is paused', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('./embed-example.html');
  const scriptMs = await scriptClock(page);
  const first = page.frameLocator('[data-testid="embed-1"]');
  const second = page.frameLocator('[data-testid="embed-2"]');
  await expect(first.getByTestId('embed-lab')).toBeVisible();
  await expect(first.getByTestId('scenario-toggle-retry-storm')).toBeVisible();
  await expect(first.getByTestId('mitigation-toggle-retry-backoff')).toBeVisible();
  await expect(second.getByTestId('scenario-toggle-fixed-latency')).toBeAttached();

  // The host page sized each <iframe> from the lab's height message: no inner scrolling.
  for (const id of ['embed-1', 'embed-2']) {
    await expect
      .poll(() => page.getByTestId(id).evaluate((f) => (f as HTMLIFrameElement).height))
      .not.toBe('640');
    const fit = await page.getByTestId(id).evaluate((f) => {
      const doc = (f as HTMLIFrameElement).contentDocument!;
      return { inner: doc.documentElement.scrollHeight, outer: (f as HTMLIFrameElement).clientHeight };
    });
    expect(Math.abs(fit.inner - fit.outer), `${id} ${JSON.stringify(fit)}`).toBeLessThanOrEqual(2);
  }

  // Each embedded lab runs its engine in a worker of its own.
  await expect
    .poll(() => page.workers().filter((w) => w.url().endsWith('/engine-worker.js')).length)
    .toBe(2);

  // On screen the first lab runs; the second, below the fold, stays where it started.
  await expect.poll(() => ns(first)).toBeGreaterThan(0);
  const t0 = { first: await ns(first), second: await ns(second), script: await scriptMs() };
  await page.waitForTimeout(2_000);
  const t1 = { first: await ns(first), second: await ns(second), script: await scriptMs() };
  expect(t1.first - t0.first, 'the visible lab advances').toBeGreaterThan(5e9);
  expect(t1.second, 'the off-screen lab does not simulate').toBe(t0.second);

  // Scrolled into view, the second runs, and the first (now off screen) stops.
  await page.getByTestId('embed-2').scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await expect.poll(() => ns(second)).toBeGreaterThan(t1.second + 1e9);
  const s0 = { first: await ns(first), second: await ns(second) };
  await page.waitForTimeout(1_000);
  expect(await ns(first), 'scrolled away, the first lab pauses').toBe(s0.first);
  expect(await ns(second)).toBeGreaterThan(s0.second);

  // Measured (after start-up): script time of the whole page per wall second with one lab
  // on screen and one off, then with both on screen.
  const perSecond = async () => {
    await page.waitForTimeout(500);
    const a = await scriptMs();
    await page.waitForTimeout(2_000);
    return ((await scriptMs()) - a) / 2;
  };
  await page.evaluate(() => window.scrollTo(0, 0));
  const oneOn = await perSecond();
  await page.setViewportSize({ width: 1280, height: 4000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const twoOn = await perSecond();
  test.info().annotations.push({
    type: 'measured',
    description:
      `off-screen lab advanced ${(t1.second - t0.second) / 1e9} virtual s in 2 s; ` +
      `script time per second: one lab on screen ${oneOn.toFixed(0)} ms, both on screen ${twoOn.toFixed(0)} ms`,
  });
  console.log(test.info().annotations.at(-1)!.description);
});

test('the embed shows its scenario, plays, and "Open in full lab" carries the state', async ({ page }) => {
  await page.goto('./index.html?embed=1&scenario=fixed-latency&seed=7&speed=100&fixed-latency.delay_ms=300');
  const lab = new LabPage(page);
  await expect(page.getByTestId('embed-lab')).toBeVisible();
  await expect(page.locator('h1')).toHaveText('Fixed latency');
  // The chrome of the full lab is not there.
  await expect(page.getByTestId('system-select')).toHaveCount(0);
  await expect(page.getByTestId('scenarios')).toHaveCount(0);
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(5);
  const p99 = await lab.value('p99');
  await lab.scenarioToggle('fixed-latency').check();
  await expect.poll(() => lab.value('p99')).toBeGreaterThan(p99 + 0.25);
  await lab.pause();

  const href = await page.getByTestId('open-full-lab').getAttribute('href');
  expect(href).toContain('s=fixed-latency');
  expect(href).toContain('seed=7');
  expect(href).toContain('fixed-latency.delay_ms=300');
  expect(href).not.toContain('embed');
  await page.goto(new URL(href!, page.url()).href);
  await expect(page.getByTestId('scenario-toggle-fixed-latency')).toBeChecked();
  await expect(page.getByTestId('seed-input')).toHaveValue('7');
  await expect(page.getByTestId('speed-select')).toHaveValue('100');
  await expect(page.getByTestId('play-toggle')).toHaveText('Play');
  await expect(page.getByTestId('scenario-param-fixed-latency-delay_ms')).toHaveValue('300');
});

test('bad embed parameters are named, with what is allowed; the lab still runs', async ({ page }) => {
  await page.goto('./index.html?embed=1&scenario=no-such&speed=fast&fixed-latency.delay_ms=-5');
  const problems = page.getByTestId('embed-problems');
  await expect(problems).toContainText('scenario');
  await expect(problems).toContainText('no-such');
  await expect(problems).toContainText('`speed`: expected one of 1, 10, 100, max');
  await expect(problems).toContainText('fixed-latency.delay_ms');
  await expect(page.locator('h1')).toHaveText('Retry storm');
  await expect.poll(() => new LabPage(page).virtualSeconds()).toBeGreaterThan(0);
  // Nothing from the URL becomes markup.
  await page.goto('./index.html?embed=1&seed=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E');
  await expect(page.getByTestId('embed-problems')).toContainText('<img src=x onerror=alert(1)>');
  await expect(page.locator('img')).toHaveCount(0);
});

test('the full lab\'s Embed button gives a copyable <iframe> snippet as text', async ({ page, context, baseURL }) => {
  test.setTimeout(60_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const lab = new LabPage(page);
  await lab.open();
  await lab.scenarioToggle('cache-stampede').check();
  await page.getByTestId('embed-open').click();
  await expect(page.getByTestId('embed-open')).toHaveAttribute('aria-expanded', 'true');
  const snippet = page.getByTestId('embed-snippet');
  await expect(snippet).toHaveValue(/^<iframe src="[^"]+" title="Systems Design Lab: [^"]+"/);
  expect(await snippet.inputValue()).toContain(`${baseURL}index.html?embed=1&amp;scenario=cache-stampede&amp;seed=1&amp;speed=10&amp;s=cache-stampede`);
  await page.getByTestId('embed-scenario').selectOption('retry-storm');
  await expect(snippet).toHaveValue(/scenario=retry-storm/);
  await expect(page.locator('iframe'), 'the snippet is text, not markup').toHaveCount(0);
  await page.getByTestId('embed-copy').click();
  await expect(page.getByTestId('embed-copied')).toHaveText('Copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await snippet.inputValue());

  // The snippet works: an iframe made from it shows the lab.
  const src = (await snippet.inputValue()).match(/src="([^"]+)"/)![1].replaceAll('&amp;', '&');
  await page.goto(src);
  await expect(page.locator('h1')).toHaveText('Retry storm');
  await expect(page.getByTestId('scenario-toggle-retry-storm')).not.toBeChecked();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the embed: axe-core finds nothing serious (${colorScheme}); fits 375 px`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 375, height: 700 });
    await page.goto('./index.html?embed=1&scenario=retry-storm&mitigation=retry-backoff&speed=bad');
    await expect.poll(() => new LabPage(page).value('throughput')).toBeGreaterThan(0);
    await new LabPage(page).pause();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
}
