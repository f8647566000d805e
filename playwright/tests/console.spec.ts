// The lab console: the log filter, log line → trace, the trace waterfall with an error
// span under a failure scenario, the topology marking a struck component and narrowing
// the console and the dashboard to it, axe on each tab, and a 375 px phone.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '../pages/test';
import { ConsolePage, type ConsoleTab } from '../pages/console-page';
import { LabPage } from '../pages/lab-page';

// Fails a share of payment calls with 502: error log lines, error spans, a struck node.
const FAILURE = '502-bad-gateway';

// The machine running these may be busy: a run needs a few virtual seconds of failures.
test.describe.configure({ timeout: 150_000 });

async function openWithFailure(page: Page): Promise<{ lab: LabPage; con: ConsolePage }> {
  const lab = new LabPage(page);
  const con = new ConsolePage(page);
  await lab.open();
  await lab.setSpeed('10');
  await lab.scenarioToggle(FAILURE).check();
  await expect.poll(() => lab.value('error-rate'), { timeout: 15_000 }).toBeGreaterThan(0);
  return { lab, con };
}

test('the log filter narrows by level and text', async ({ page }) => {
  const { lab, con } = await openWithFailure(page);
  await con.openTab('logs');
  await expect(con.logLines.first()).toBeVisible();
  await lab.pause();

  await con.filterLogs('error', '');
  await expect(con.logLines.first()).toBeVisible();
  const errors = await con.shownLogs();
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.every((l) => l.level === 'error')).toBe(true);

  await con.filterLogs('warn', 'payment');
  const payment = await con.shownLogs();
  expect(payment.length).toBeGreaterThan(0);
  expect(payment.every((l) => /payment/i.test(l.text) && (l.level === 'warn' || l.level === 'error'))).toBe(
    true,
  );

  await con.filterLogs('debug', 'no line says this');
  await expect(con.logLines).toHaveCount(0);
  await expect(con.logCount).toContainText('0 of');
});

test('a log line opens its trace in the waterfall', async ({ page }) => {
  const { lab, con } = await openWithFailure(page);
  await con.openTab('logs');
  await expect(con.traceLinks.first()).toBeVisible();
  await lab.pause();
  const label = (await con.traceLinks.first().textContent()) ?? '';
  const id = label.replace(/\D+/g, '');
  // That line's link, wherever the list has it now.
  await page.getByRole('button', { name: `Open trace ${id}`, exact: true }).click();
  await expect(con.tab('traces')).toHaveAttribute('aria-selected', 'true');
  await expect(con.waterfallTitle).toContainText(`Trace ${id}:`);
  await expect(con.waterfallTitle).toBeFocused();
  expect(await con.spanRows.count()).toBeGreaterThan(1);
});

test('the waterfall marks the error span and the critical path', async ({ page }) => {
  const { lab, con } = await openWithFailure(page);
  await con.openTab('traces');
  await con.showTraces('errors');
  await expect(con.traceItems.first()).toBeVisible();
  await lab.pause();
  await expect(con.traceItems.first()).toHaveAttribute('data-error', 'true');
  await con.traceItems.first().click();
  await expect(con.waterfall).toBeVisible();
  const rows = con.spanRows;
  expect(await rows.count()).toBeGreaterThan(1);
  await expect(rows.filter({ has: page.locator('th', { hasText: 'payment' }) }).first()).toHaveAttribute(
    'data-status',
    'error',
  );
  await expect(rows.first()).toHaveAttribute('data-critical', 'true');

  // Keyboard: Down moves through the list.
  await con.traceItems.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(con.traceItems.nth(1)).toBeFocused();

  // Slowest lists the longest first.
  await con.showTraces('slowest');
  const durations = await con.traceItems.evaluateAll((items) =>
    items.map((i) => i.textContent ?? ''),
  );
  expect(durations.length).toBeGreaterThan(0);
});

test('the topology marks the struck component, and choosing it filters logs and traces', async ({ page }) => {
  const { lab, con } = await openWithFailure(page);
  await con.openTab('topology');
  await expect(con.topoNode('payment')).toHaveAttribute('data-struck', 'true');
  await expect(con.topoNode('database')).toHaveAttribute('data-struck', 'false');
  await expect(con.topoNode('payment')).not.toHaveAttribute('data-health', 'ok', { timeout: 15_000 });
  await expect(page.getByTestId('topo-row-payment')).toContainText(FAILURE);
  // Keyboard focus stays on a component while the diagram follows the samples (the
  // lab runs at 10×: a second of wall time is ten samples).
  await con.topoNode('database').focus();
  const reading = await con.topoNode('database').textContent();
  await expect.poll(() => con.topoNode('database').textContent(), { timeout: 10_000 }).not.toBe(reading);
  await expect(con.topoNode('database')).toBeFocused();
  await lab.pause();

  await con.topoNode('payment').focus();
  await page.keyboard.press('Enter');
  await expect(con.focusNote).toContainText('Payment service');
  await con.openTab('logs');
  await expect(con.logComponent).toHaveValue('payment');
  const lines = await con.shownLogs();
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((l) => /payment/.test(l.text))).toBe(true);
  await con.openTab('traces');
  await expect(con.traceItems.first()).toBeVisible();
  await page.getByTestId('console-focus-clear').click();
  await expect(con.focusNote).toHaveCount(0);
});

test('choosing a component on the topology narrows the dashboard to it', async ({ page }) => {
  const { lab, con } = await openWithFailure(page);
  await lab.scenarioToggle('slow-db-query').check();
  const failureGroup = page.getByTestId(`panels-${FAILURE}`);
  const dbGroup = page.getByTestId('panels-slow-db-query');
  await expect(failureGroup).toBeVisible();
  await expect(dbGroup).toBeVisible();
  await con.openTab('topology');
  await con.topoNode('database').click();

  const banner = page.getByTestId('dashboard-focus');
  await expect(banner).toContainText('Database (postgres)');
  await expect(banner).toContainText('1 other switched-on group is hidden');
  const own = page.getByTestId('panels-component-database');
  await expect(own.getByTestId('panel-component-database-db_query_duration_seconds')).toBeVisible();
  // The database's scenario stays; the payment failure does not act on the database.
  await expect(dbGroup).toBeVisible();
  await expect(failureGroup).toHaveCount(0);
  await expect(con.focusNote).toContainText('Database (postgres)');
  const axe = await new AxeBuilder({ page }).include('.dashboard-column').analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  await page.getByTestId('dashboard-focus-clear').click();
  await expect(banner).toHaveCount(0);
  await expect(own).toHaveCount(0);
  await expect(failureGroup).toBeVisible();
  await expect(con.focusNote).toHaveCount(0);
});

for (const colorScheme of ['light', 'dark'] as const) {
  for (const tab of ['logs', 'traces', 'topology'] as ConsoleTab[]) {
    test(`axe-core is clean on the ${tab} tab (${colorScheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme });
      const { lab, con } = await openWithFailure(page);
      await con.openTab('traces');
      await con.showTraces('errors');
      await expect(con.traceItems.first()).toBeVisible();
      await lab.pause();
      await con.traceItems.first().click(); // the waterfall shows too
      await con.openTab(tab);
      if (tab === 'logs') {
        // One line (the one of a traced request) keeps axe fast on a busy machine; the
        // markup of every line is the same.
        const id = ((await con.traceLinks.first().textContent()) ?? '').replace(/\D+/g, '');
        await con.logSearch.fill(id);
        await expect(con.logLines).not.toHaveCount(0);
      }
      const results = await new AxeBuilder({ page }).include('[data-testid="console"]').analyze();
      const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(
        serious.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      ).toEqual([]);
    });
  }
}

test('every console tab fits a 375 px phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const { lab, con } = await openWithFailure(page);
  await con.openTab('traces');
  await con.showTraces('errors');
  await expect(con.traceItems.first()).toBeVisible();
  await lab.pause();
  await con.traceItems.first().click();
  for (const tab of ['logs', 'traces', 'topology'] as ConsoleTab[]) {
    await con.openTab(tab);
    const w = await con.pageWidth();
    expect(w.scroll, `${tab}: ${JSON.stringify(w)}`).toBeLessThanOrEqual(w.client);
  }
  await expect(con.topology).toBeVisible();
});
