// The dashboard as an on-call engineer uses it: the time range sets the x-axis span, a
// crosshair reads out the values at an instant, a scenario's panels come and go with its
// switch, the latency heatmap draws, an alert fires under a fault, shortcuts work (and stay out of text fields), and
// all of it is accessible in both themes and on a phone.
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../pages/test';
import { DashboardPage } from '../pages/dashboard-page';

// Each test runs the simulation for tens of virtual seconds and some run axe twice: on a
// shared, loaded machine that takes longer than the default 30 s.
test.describe.configure({ timeout: 90_000 });

test('the time range changes the span of the x-axis, from the select and with t', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  await expect.poll(() => dash.value('throughput')).toBeGreaterThan(0);
  expect(await dash.spanSeconds('throughput')).toBe(60);
  await dash.setRange('5m');
  await expect.poll(() => dash.spanSeconds('latency')).toBe(300);
  await dash.setRange('15m');
  await expect.poll(() => dash.spanSeconds('throughput')).toBe(900);
  // `t` goes on to "all": the span is the history held, here the run so far.
  await dash.shortcut('t');
  await expect(dash.timeRange).toHaveValue('all');
  await dash.pause();
  const t = await dash.virtualSeconds();
  const span = await dash.spanSeconds('throughput');
  expect(span).toBeLessThanOrEqual(Math.max(t, 1));
  expect(span).toBeGreaterThanOrEqual(Math.min(t - 2, 1));
  await dash.shortcut('t');
  await expect(dash.timeRange).toHaveValue('1m');
  await expect.poll(() => dash.spanSeconds('throughput')).toBe(60);
});

test('hovering a chart, or arrowing through it, reads out the values at that instant', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  await dash.setSpeed('100');
  await expect.poll(() => dash.virtualSeconds()).toBeGreaterThan(70);
  await dash.pause();

  await dash.hoverAt('latency', 0.5);
  await expect.poll(() => dash.hoverText('latency')).toMatch(/^At .+: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms$/);
  await expect(dash.chart('latency').locator('line.crosshair')).toHaveCount(1);
  await expect(dash.chart('latency').locator('.tooltip')).toContainText('p99');
  const middle = await dash.hoverText('latency');
  await dash.hoverAt('latency', 0.95);
  await expect.poll(() => dash.hoverText('latency')).not.toBe(middle);
  await page.mouse.move(0, 0);
  await expect.poll(() => dash.hoverText('latency')).toBe('');

  // Keyboard: focus the plot, then arrows move through the samples.
  await dash.plot('throughput').focus();
  await dash.plot('throughput').press('End');
  const last = await dash.hoverText('throughput');
  expect(last).toMatch(/^At .+: ok [\d.]+ req\/s$/);
  await dash.plot('throughput').press('ArrowLeft');
  await expect.poll(() => dash.hoverText('throughput')).not.toBe(last);
  await dash.plot('throughput').press('Escape');
  await expect.poll(() => dash.hoverText('throughput')).toBe('');
});

test('retry-storm panels appear when it is switched on and leave when it is off, within 5 s of virtual time', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  // At 1× a second of virtual time is a second of wall time: room for the test's own steps.
  await dash.setSpeed('1');
  await expect.poll(() => dash.virtualSeconds()).toBeGreaterThan(2);
  await expect(dash.panels('retry-storm')).toHaveCount(0);
  await expect(page.getByTestId('active-none')).toBeVisible();

  const on = await dash.virtualSeconds();
  await dash.scenarioToggle('retry-storm').check();
  await expect(dash.panels('retry-storm')).toBeVisible({ timeout: 5_000 });
  expect(await dash.virtualSeconds()).toBeLessThanOrEqual(on + 5);
  await expect(page.getByTestId('active-retry-storm')).toContainText('Retry storm');
  // One chart per declared metric, filled from the engine's query language.
  const charts = dash.panels('retry-storm').locator('figure.chart');
  expect(await charts.count()).toBeGreaterThanOrEqual(2);
  await expect
    .poll(() => charts.first().locator('path.series').first().getAttribute('d'))
    .toMatch(/^M/);

  const off = await dash.virtualSeconds();
  await dash.switchOff('scenario', 'retry-storm');
  await expect(dash.panels('retry-storm')).toHaveCount(0, { timeout: 5_000 });
  expect(await dash.virtualSeconds()).toBeLessThanOrEqual(off + 5);
  await expect(page.getByTestId('active-none')).toBeVisible();
});

test('a latency fault fires the p99 SLO alert, shown in the list and on the chart', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  await expect(dash.alert('LatencySLOBreach')).toHaveAttribute('data-state', 'ok');
  await dash.openScenarioParams('fixed-latency');
  await dash.scenarioParam('fixed-latency', 'delay_ms').fill('400');
  await dash.scenarioParam('fixed-latency', 'delay_ms').press('Enter');
  await dash.scenarioToggle('fixed-latency').check();
  await dash.setSpeed('100');
  await expect(dash.alert('LatencySLOBreach')).toHaveAttribute('data-state', 'firing', { timeout: 20_000 });
  await expect(dash.alertHistory).toContainText('LatencySLOBreach firing');
  await expect(dash.alertHistory).toContainText('LatencySLOBreach pending');
  await expect(dash.chart('latency').locator('rect.band.firing')).toHaveCount(1);
  // 400 ms per request also saturates the workers: other alerts may fire with it.
  await expect(page.getByTestId('alerts-firing-count')).toContainText(/\d firing/);

  await dash.switchOff('scenario', 'fixed-latency');
  await expect(dash.alert('LatencySLOBreach')).toHaveAttribute('data-state', 'ok', { timeout: 20_000 });
  await expect(dash.alertHistory).toContainText('LatencySLOBreach resolved');
  await expect(page.getByTestId('budget-remaining')).toBeVisible();
});

test('a rule of your own fires live, a bad one says why, objectives move the default rule; all travel in the link', async ({
  page,
}) => {
  const dash = new DashboardPage(page);
  await dash.open();
  await dash.setSpeed('100');

  // Refused, with the engine's reason, and nothing added.
  await dash.addRule('Busy throughput_rps > 1');
  await expect(page.getByTestId('rule-error')).toContainText('expected `NAME: CONDITION');
  await expect(page.getByTestId('rule-input')).toHaveAttribute('aria-invalid', 'true');
  await dash.addRule('LatencySLOBreach: latency_p99_s > 1');
  await expect(page.getByTestId('rule-error')).toContainText('belongs to a default rule');
  await dash.addRule('Busy: no_such_series > 1');
  await expect(page.getByTestId('rule-error')).toContainText('no_such_series');
  await expect(page.getByTestId('own-rules')).toHaveCount(0);

  // Accepted: listed as yours and firing under the steady load.
  await dash.addRule('Busy: throughput_rps > 1 for 5s critical');
  await expect(page.getByTestId('rule-error')).toBeEmpty();
  await expect(page.getByTestId('rule-input')).toHaveValue('');
  await expect(page.getByTestId('own-rule-Busy')).toContainText('Busy: throughput_rps > 1 for 5s critical');
  await expect(dash.alert('Busy')).toContainText('yours');
  await expect(dash.alert('Busy')).toHaveAttribute('data-state', 'firing', { timeout: 20_000 });

  // The latency objective: below the healthy p99, the default rule fires.
  await dash.setObjective('latency_ms', '0.5');
  await expect(page.getByTestId('slo-error-latency_ms')).toBeEmpty();
  await expect(dash.alert('LatencySLOBreach')).toHaveAttribute('data-state', /pending|firing/, { timeout: 20_000 });
  await dash.setObjective('latency_ms', '-3');
  await expect(page.getByTestId('slo-error-latency_ms')).toContainText('latency_ms');

  // Both travel in the address bar: a fresh page has them.
  await expect.poll(() => page.url()).toContain('rule=Busy');
  expect(page.url()).toContain('slo.latency_ms=0.5');
  const again = new DashboardPage(await page.context().newPage());
  await again.page.goto(page.url());
  await expect(again.page.getByTestId('own-rule-Busy')).toBeVisible();
  await expect(again.page.getByTestId('slo-latency_ms')).toHaveValue('0.5');
  await again.page.close();

  // Removed: gone from the list and from the rules the run checks.
  await page.getByRole('button', { name: 'Remove rule Busy' }).click();
  await expect(page.getByTestId('own-rules')).toHaveCount(0);
  await expect(dash.alert('Busy')).toHaveCount(0);
  await expect.poll(() => page.url()).not.toContain('rule=');
});

test('? opens the shortcuts dialog, Esc closes it; shortcuts stay out of text fields', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  await dash.expectDialogOpen(false);
  await dash.shortcut('?');
  await dash.expectDialogOpen(true);
  await expect(dash.shortcutsDialog).toContainText('Reset');
  await expect(page.getByTestId('shortcuts-close')).toBeFocused();
  await page.keyboard.press('Escape');
  await dash.expectDialogOpen(false);

  // Typed into the seed field, `?`, `t` and `3` are text, not shortcuts.
  await dash.seedInput.fill('');
  await dash.seedInput.type('?t3');
  await expect(dash.seedInput).toHaveValue('?t3');
  await dash.expectDialogOpen(false);
  await expect(dash.timeRange).toHaveValue('1m');
  await expect(dash.speedSelect).toHaveValue('10');

  // From the page: 3 picks 100×, r resets the run (paused, so it stays at 0 s).
  await dash.shortcut('3');
  await expect(dash.speedSelect).toHaveValue('100');
  await expect.poll(() => dash.virtualSeconds()).toBeGreaterThan(5);
  await dash.pause();
  await dash.shortcut('r');
  await expect.poll(() => dash.virtualSeconds()).toBe(0);
});

test('the latency heatmap draws where requests fell, with a text alternative', async ({ page }) => {
  const dash = new DashboardPage(page);
  await dash.open();
  await dash.setSpeed('100');
  await expect.poll(() => dash.virtualSeconds()).toBeGreaterThan(20);
  const details = page.getByTestId('latency-heatmap-details');
  await details.locator('summary').click();
  const heatmap = page.getByTestId('latency-heatmap');
  await expect(heatmap.getByTestId('heatmap-summary')).toContainText(/\d+ observations: .* ms: /);
  const canvas = heatmap.locator('canvas');
  await expect(canvas).toHaveAttribute('aria-hidden', 'true');
  const painted = await canvas.evaluate((el: HTMLCanvasElement) => {
    const data = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return { n, w: el.width, h: el.height };
  });
  expect(painted.w).toBeGreaterThan(0);
  expect(painted.n, JSON.stringify(painted)).toBeGreaterThan(0);
  // Closed, it is gone (and costs nothing per sample).
  await details.locator('summary').click();
  await expect(heatmap).toHaveCount(0);
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`dashboard with panels, alerts and the dialog is axe-clean (${colorScheme})`, async ({ page }) => {
    // axe over the whole page (every switch and its form, the panels) takes most of a
    // minute on a loaded machine.
    test.setTimeout(180_000);
    await page.emulateMedia({ colorScheme });
    const dash = new DashboardPage(page);
    await dash.open();
    await dash.scenarioToggle('retry-storm').check();
    await dash.setSpeed('100');
    await expect(dash.panels('retry-storm')).toBeVisible();
    await expect.poll(() => dash.virtualSeconds()).toBeGreaterThan(40);
    await dash.pause();
    await dash.hoverAt('latency', 0.5);
    await page.getByTestId('latency-heatmap-details').locator('summary').click();
    await expect(page.getByTestId('latency-heatmap')).toBeVisible();
    const analyze = async (within?: string) => {
      const builder = new AxeBuilder({ page });
      if (within) builder.include(within);
      const results = await builder.analyze();
      return results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    };
    expect(await analyze()).toEqual([]);
    await dash.shortcut('?');
    await dash.expectDialogOpen(true);
    expect(await analyze('[data-testid="shortcuts-dialog"]')).toEqual([]);
  });
}

test('at 375 px the dashboard, panels and alerts fit without horizontal scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const dash = new DashboardPage(page);
  await dash.open();
  await dash.scenarioToggle('retry-storm').check();
  await expect(dash.panels('retry-storm')).toBeVisible();
  await dash.setSpeed('100');
  await expect.poll(() => dash.virtualSeconds()).toBeGreaterThan(40);
  await page.getByTestId('latency-heatmap-details').locator('summary').click();
  await expect(page.getByTestId('latency-heatmap')).toBeVisible();
  const overflow = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(overflow.scroll, JSON.stringify(overflow)).toBeLessThanOrEqual(overflow.client);
  await expect(page.getByTestId('error-budget')).toBeVisible();
});
