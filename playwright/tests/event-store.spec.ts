// The orders system's own console tabs: the event stream (a live tail, filtered by an
// order), an order's history stepped through version by version (keyboard too), and the
// projections with a Rebuild that empties a read model (its lag jumps to the head) and
// replays the log until it catches up; axe on each tab in both colour schemes, a 375 px
// phone, and the tabs absent from a system without an event store.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '../pages/test';
import { ConsolePage, type ConsoleTab } from '../pages/console-page';
import { LabPage } from '../pages/lab-page';

test.describe.configure({ timeout: 120_000 });

const TABS: ConsoleTab[] = ['events', 'history', 'projections'];
// SDL_SHOTS=dir saves a screenshot of each tab there (for a person to look at).
const SHOTS = process.env.SDL_SHOTS;

async function openOrders(page: Page): Promise<{ lab: LabPage; con: ConsolePage }> {
  const lab = new LabPage(page);
  const con = new ConsolePage(page);
  await page.goto('./?system=orders');
  await expect(lab.playToggle).toBeVisible();
  await lab.setSpeed('10');
  await expect.poll(() => lab.virtualSeconds(), { timeout: 30_000 }).toBeGreaterThan(8);
  return { lab, con };
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  await page.getByTestId('console').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/** An order with at least two events, from the stream's tail. */
async function orderWithHistory(page: Page): Promise<string> {
  const row = page.locator('[data-testid="event-row"][data-version="2"]').first();
  await expect(row).toBeVisible();
  return (await row.getAttribute('data-order')) ?? '';
}

test('the event stream tails the log and narrows to one order', async ({ page }) => {
  const { lab, con } = await openOrders(page);
  await con.openTab('events');
  const rows = page.getByTestId('event-row');
  await expect(rows).toHaveCount(50);
  await expect(page.getByTestId('event-count')).toContainText('The newest 50 of');
  await lab.pause();
  // Newest first: positions fall down the table.
  const positions = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.querySelector('td')?.textContent)));
  expect(positions).toEqual([...positions].sort((a, b) => b - a));
  await shot(page, 'events-1280');

  const order = await orderWithHistory(page);
  await page.getByTestId('event-filter').fill(order);
  await expect(page.getByTestId('event-count')).toContainText(`Order ${order}:`);
  const orders = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order')));
  expect(orders.length).toBeGreaterThanOrEqual(2);
  expect(orders.every((o) => o === order)).toBe(true);
  await expect(rows.last()).toContainText('OrderPlaced');

  await page.getByTestId('event-filter').fill('forty-two');
  await expect(page.getByTestId('event-filter-error')).toContainText('is not an order id');
  await page.getByTestId('event-filter').fill('99999999');
  await expect(page.getByTestId('event-count')).toContainText('No order 99999999');
  await expect(rows).toHaveCount(0);
});

test("an order's history steps through its versions, by mouse and by keyboard", async ({ page }) => {
  const { lab, con } = await openOrders(page);
  await con.openTab('events');
  await lab.pause();
  const order = await orderWithHistory(page);
  await page.getByRole('button', { name: `Order ${order}: show its history`, exact: true }).first().click();
  await expect(con.tab('history')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('history-title')).toContainText(`Order ${order} ·`);
  await expect(page.getByTestId('history-title')).toBeFocused();
  await expect(page.getByTestId('history-order')).toHaveValue(order);

  const position = page.getByTestId('history-position');
  const n = Number(/of (\d+)/.exec((await position.textContent()) ?? '')?.[1]);
  expect(n).toBeGreaterThanOrEqual(2);
  await expect(position).toHaveText(`Version ${n} of ${n}`);
  await expect(page.getByTestId('history-next')).toHaveAttribute('aria-disabled', 'true');
  await expect(page.getByTestId('history-snapshot')).toContainText(/snapshot/i);

  await page.getByTestId('history-prev').click();
  await expect(position).toHaveText(`Version ${n - 1} of ${n}`);
  // The arrow keys move too, and focus stays on the stepper's button.
  await page.keyboard.press('Home');
  await expect(position).toHaveText(`Version 1 of ${n}`);
  await expect(page.getByTestId('history-state')).toHaveText('placed');
  await expect(page.getByTestId('history-state-line')).toContainText('OrderPlaced');
  await expect(page.getByTestId('history-prev')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(position).toHaveText(`Version 2 of ${n}`);
  await expect(page.getByTestId('history-state')).not.toHaveText('placed');
  await expect(page.getByTestId('history-step').nth(1)).toHaveAttribute('aria-current', 'step');
  await shot(page, 'history-1280');

  // Typing an id that does not exist says so.
  await page.getByTestId('history-order').fill('99999999');
  await page.getByTestId('history-order').press('Enter');
  await expect(page.getByTestId('history-empty')).toContainText('No order 99999999');
});

test('Rebuild empties a projection, its lag jumps to the head, then falls as it replays', async ({ page }) => {
  const { lab, con } = await openOrders(page);
  await con.openTab('projections');
  const card = page.getByTestId('projection-analytics');
  const lag = card.getByTestId('projection-lag');
  await expect(card).toHaveAttribute('data-rebuilding', 'false');
  await lab.pause();
  await expect.poll(async () => Number(await lag.getAttribute('data-events'))).toBeLessThan(100);
  const head = Number(/of (\d+)/.exec((await card.getByTestId('projection-checkpoint').textContent()) ?? '')?.[1]);
  expect(head).toBeGreaterThan(200);

  await page.getByTestId('projection-rebuild-analytics').focus();
  await page.keyboard.press('Enter');
  await expect(card).toHaveAttribute('data-rebuilding', 'true');
  await expect(card.getByTestId('projection-checkpoint')).toHaveText(`0 of ${head}`);
  await expect(lag).toHaveAttribute('data-events', String(head));
  await expect(card.getByTestId('projection-rebuild-state')).toContainText('In place since');
  // Only the one asked for.
  await expect(page.getByTestId('projection-order_summary')).toHaveAttribute('data-rebuilding', 'false');
  await expect(page.getByTestId('projection-rebuild-analytics')).toBeFocused();
  await shot(page, 'projections-1280');

  await lab.setSpeed('1');
  await page.getByTestId('projection-rebuild-analytics').focus();
  // Play without moving keyboard focus off the button (a click would).
  await lab.playToggle.dispatchEvent('click');
  await expect.poll(async () => Number(await lag.getAttribute('data-events')), { timeout: 30_000 }).toBeLessThan(
    head / 2,
  );
  await expect(card).toHaveAttribute('data-rebuilding', 'false', { timeout: 30_000 });
  await expect.poll(async () => Number(await lag.getAttribute('data-events'))).toBeLessThan(100);
  // Keyboard focus stayed on the button through the refreshes.
  await expect(page.getByTestId('projection-rebuild-analytics')).toBeFocused();
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`axe-core is clean on the event-sourcing tabs (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    const { lab, con } = await openOrders(page);
    await con.openTab('events');
    await lab.pause();
    const order = await orderWithHistory(page);
    await page.getByTestId('event-filter').fill(order);
    await page.getByRole('button', { name: `Order ${order}: show its history`, exact: true }).first().click();
    await page.getByTestId('history-prev').click();
    await con.openTab('projections');
    await page.getByTestId('projection-rebuild-order_history').click();
    await expect(page.getByTestId('projection-order_history')).toHaveAttribute('data-rebuilding', 'true');
    for (const tab of TABS) {
      await con.openTab(tab);
      const results = await new AxeBuilder({ page }).include('[data-testid="console"]').analyze();
      expect(
        results.violations.map((v) => `${tab}: ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      ).toEqual([]);
    }
  });
}

test('the event-sourcing tabs fit a 375 px phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const { lab, con } = await openOrders(page);
  await con.openTab('events');
  await lab.pause();
  const order = await orderWithHistory(page);
  await page.getByRole('button', { name: `Order ${order}: show its history`, exact: true }).first().click();
  await expect(page.getByTestId('history-title')).toBeVisible();
  for (const tab of TABS) {
    await con.openTab(tab);
    const w = await con.pageWidth();
    expect(w.scroll, `${tab}: ${JSON.stringify(w)}`).toBeLessThanOrEqual(w.client);
    await shot(page, `${tab}-375`);
  }
});

test('a system without an event store has no such tabs', async ({ page }) => {
  const { con } = await openOrders(page);
  await expect(con.tab('events')).toBeVisible();
  await con.openTab('projections');
  await new LabPage(page).systemSelect.selectOption('web');
  await expect(con.tab('events')).toHaveCount(0);
  await expect(con.tab('projections')).toHaveCount(0);
  // The tab that was open is gone: the console falls back to its first.
  await expect(con.tab('logs')).toHaveAttribute('aria-selected', 'true');
});

test('a traced order leads to its projections and its saga, and back, through linked traces', async ({ page }) => {
  const { lab, con } = await openOrders(page);
  await expect.poll(() => lab.virtualSeconds(), { timeout: 30_000 }).toBeGreaterThan(20);
  await lab.pause();
  await con.openTab('traces');
  const placed = page.getByTestId('trace-item').filter({ hasText: 'POST /orders ·' });
  // Some traced order whose followers are still among the sampled traces.
  const n = await placed.count();
  expect(n).toBeGreaterThan(0);
  let found = false;
  for (let i = 0; i < n && !found; i++) {
    await placed.nth(i).click();
    found = (await page.getByTestId('linked-trace').count()) > 0;
  }
  expect(found).toBe(true);
  const links = page.getByTestId('trace-links');
  await expect(links).toContainText('Followed by');
  const follower = page.getByTestId('linked-trace').first();
  const label = (await follower.textContent()) ?? '';
  expect(label).toMatch(/apply OrderPlaced|payment saga/);
  await follower.click();
  await expect(page.getByTestId('waterfall-title')).toBeFocused();
  await expect(page.getByTestId('waterfall-title')).toContainText(/apply|payment saga/);
  await expect(page.getByTestId('trace-links')).toContainText('Follows from');
});
