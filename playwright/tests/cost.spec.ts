// The cost panel: a billing system's run says what it costs an hour and per million
// requests, and what each resource contributes; a fault that wastes money (a response
// twelve times too large) moves the bill's egress line. Accessible in both themes and
// readable on a phone. The serverless system bills per request and GB-second.
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../pages/test';
import { LabPage } from '../pages/lab-page';

/** Dollars an hour in a cell such as "$1.09" or "$0.0031". */
async function perHour(lab: LabPage, resource: string): Promise<number> {
  const row = lab.page.getByTestId(`cost-${resource}`);
  if ((await row.count()) === 0) return 0;
  const text = (await row.locator('td').first().textContent()) ?? '';
  return Number(text.replace('$', ''));
}

test('the cost panel shows the bill by resource, and overfetching moves the egress line', async ({ page }) => {
  test.setTimeout(90_000);
  const lab = new LabPage(page);
  await lab.open();
  await lab.setSpeed('100');
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(5);
  const panel = page.getByTestId('cost-panel');
  await expect(page.getByTestId('cost-summary')).toContainText(/Cost: \$[0-9.]+ an hour · \$[0-9.]+ per million requests/);
  await panel.locator('summary').click();
  await expect(page.getByTestId('cost-compute')).toContainText('Service instances');
  // Four instances of four vCPUs at $0.048 per vCPU-hour.
  await expect.poll(() => perHour(lab, 'compute')).toBeCloseTo(0.77, 2);
  const before = await perHour(lab, 'internet_egress');
  expect(before).toBeGreaterThan(0.5);

  await lab.scenarioToggle('oversized-response').check();
  await expect.poll(() => perHour(lab, 'internet_egress'), { timeout: 20_000 }).toBeGreaterThan(before * 5);
});

test('the serverless system bills requests and GB-seconds', async ({ page }) => {
  test.setTimeout(90_000);
  const lab = new LabPage(page);
  await lab.open();
  await lab.systemSelect.selectOption('functions');
  await lab.setSpeed('100');
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(5);
  await page.getByTestId('cost-panel').locator('summary').click();
  await expect(page.getByTestId('cost-functions')).toContainText('Function requests and duration');
  await expect(page.getByTestId('cost-compute')).toHaveCount(0);
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`the cost panel has no serious axe violations (${colorScheme} theme)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    const lab = new LabPage(page);
    await lab.open();
    await lab.setSpeed('100');
    await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(3);
    await page.getByTestId('cost-panel').locator('summary').click();
    await lab.pause();
    const results = await new AxeBuilder({ page }).include('[data-testid="cost-panel"]').analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
}

test('the cost panel fits a 375 px wide phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const lab = new LabPage(page);
  await lab.open();
  await expect.poll(() => lab.virtualSeconds()).toBeGreaterThan(2);
  await page.getByTestId('cost-panel').locator('summary').click();
  await expect(page.getByTestId('cost-compute')).toBeVisible();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
});
