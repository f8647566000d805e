// The data-integrity panel: hidden on a healthy run; switching a data-integrity
// scenario on shows it, and lost updates appear and grow while every request succeeds.
// Accessible in both themes and readable on a phone.
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../pages/test';
import { LabPage } from '../pages/lab-page';

async function lostUpdates(lab: LabPage): Promise<number> {
  const cell = lab.page.getByTestId('anomaly-count-lost_update');
  if ((await cell.count()) === 0) return 0;
  return Number(await cell.textContent());
}

test('switching double-write on shows lost updates in the data-integrity panel', async ({ page }) => {
  test.setTimeout(90_000);
  const lab = new LabPage(page);
  await lab.open();
  await lab.setSpeed('100');
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(3);
  await expect(page.getByTestId('integrity-panel')).toHaveCount(0);

  await lab.scenarioToggle('double-write').check();
  await expect(lab.scenarioToggle('double-write')).toBeChecked();
  const panel = page.getByTestId('integrity-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByRole('heading', { name: 'Data integrity' })).toBeVisible();

  await expect.poll(() => lostUpdates(lab), { timeout: 15_000 }).toBeGreaterThan(0);
  const first = await lostUpdates(lab);
  await expect.poll(() => lostUpdates(lab), { timeout: 15_000 }).toBeGreaterThan(first);
  await expect(page.getByTestId('anomaly-lost_update')).toContainText('Lost updates');

  // With optimistic locking the count stops growing (once the writes in flight ended).
  await page.getByTestId('mitigation-toggle-optimistic-locking').check();
  const switched = await lab.virtualSeconds();
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(switched + 3);
  const settled = await lostUpdates(lab);
  const t = await lab.virtualSeconds();
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(t + 10);
  expect(await lostUpdates(lab)).toBe(settled);
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the integrity panel has no serious axe violations (${colorScheme} theme)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    const lab = new LabPage(page);
    await lab.open();
    await lab.setSpeed('100');
    await lab.scenarioToggle('double-write').check();
    await expect.poll(() => lostUpdates(lab), { timeout: 15_000 }).toBeGreaterThan(0);
    await lab.pause();
    const results = await new AxeBuilder({ page }).include('[data-testid="integrity-panel"]').analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
}

test('the integrity panel fits a 375 px wide phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const lab = new LabPage(page);
  await lab.open();
  await lab.scenarioToggle('double-write').check();
  await expect(page.getByTestId('integrity-panel')).toBeVisible();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
});
