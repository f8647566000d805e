// Game day as a learner plays it: an incident whose faults the page never shows (no
// scenario panel, nothing in the address bar), worked by acknowledging, diagnosing
// and fixing it, scored line by line with a completion code, a postmortem downloaded
// as Markdown, and the code checked on the instructor's page; a second learner who
// guesses wrong and never fixes scores lower. axe on the play and on the results.
import AxeBuilder from '@axe-core/playwright';
import * as fs from 'node:fs';
import { expect, test, type Page } from '../pages/test';
import { LabPage } from '../pages/lab-page';

test.describe.configure({ timeout: 180_000 });

// SDL_SHOTS=dir saves screenshots of the play and the results there (for a person).
const SHOTS = process.env.SDL_SHOTS;

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: false });
}

/** Runs the play at full speed until virtual time reaches `secs`, then pauses. */
async function runTo(page: Page, lab: LabPage, secs: number): Promise<void> {
  await lab.setSpeed('100');
  if ((await lab.playToggle.textContent())?.trim() === 'Play') await lab.playToggle.click();
  await expect.poll(() => lab.virtualSeconds(), { timeout: 120_000 }).toBeGreaterThan(secs);
  await lab.pause();
}

async function diagnose(page: Page, component: string, kind: string): Promise<void> {
  await page.getByTestId('diagnosis-component').selectOption(component);
  await page.getByTestId('diagnosis-kind').selectOption(kind);
  await page.getByTestId('diagnosis-submit').click();
}

test('a learner finds and fixes the incident, scores, writes the postmortem; the code checks out', async ({ page }) => {
  const lab = new LabPage(page);
  // `sdl gameday run orders-unpaid --seed 3`: the fault starts at 72 s.
  await page.goto('./?view=gameday&item=orders-unpaid&seed=3');
  await expect(page.getByTestId('gameday-page')).toContainText('orders placed but never charged');
  // The faults are hidden: no scenario panel, no scenario in the address, no reset.
  await expect(page.getByTestId('scenarios')).toHaveCount(0);
  await expect(page.getByTestId('reset')).toHaveCount(0);
  expect(page.url()).not.toContain('dual-write');
  expect(page.url()).toContain('view=gameday');

  await runTo(page, lab, 100);
  await shot(page, 'gameday-play-1280');
  await page.getByTestId('gameday-ack').click();
  await expect(page.getByTestId('gameday-ack')).toHaveText('Acknowledged');
  await diagnose(page, 'queue', 'inconsistent');
  await expect(page.getByTestId('gameday-verdict')).toContainText('Confirmed');
  await page.getByTestId('mitigation-toggle-transactional-outbox').check();
  await expect(page.getByTestId('gameday-acts')).toContainText('1 change(s)');
  expect(page.url()).not.toContain('dual-write');
  // Recovered a minute after the fix (the loss counter looks back 1 m), then held 60 s.
  await runTo(page, lab, 330);

  const axePlay = await new AxeBuilder({ page }).include('[data-testid="gameday-play"]').analyze();
  expect(axePlay.violations, JSON.stringify(axePlay.violations, null, 2)).toEqual([]);

  await page.getByTestId('gameday-finish').click();
  const results = page.getByTestId('gameday-results');
  await expect(results).toBeVisible();
  await expect(page.getByTestId('gameday-score')).toContainText('Mitigate');
  await expect(page.getByTestId('gameday-score')).toContainText(/recovered \d+:\d\d after the fault began/);
  await expect(page.getByTestId('gameday-score')).not.toContainText('not recovered');
  await expect(page.getByTestId('gameday-cause')).toContainText('transactional outbox');
  const code = (await page.getByTestId('gameday-code').textContent())!.trim();
  expect(code).toMatch(/^GD1-[0-9A-Z-]+$/);
  const total = Number((await results.locator('h3').first().textContent())!.match(/(\d+) \/ 100/)![1]);
  expect(total).toBeGreaterThanOrEqual(70);

  await results.scrollIntoViewIfNeeded();
  await shot(page, 'gameday-results-1280');
  await page.getByTestId('pm-impact').fill('5 % of orders stayed unpaid for three minutes.');
  await page.getByTestId('pm-root-cause').fill('A dual write: the publish after the append was lost.');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('postmortem-download').click()]);
  const md = fs.readFileSync((await download.path())!, 'utf8');
  expect(md).toContain('# Postmortem: Finance: orders placed but never charged');
  expect(md).toContain('Fault began (revealed): `dual-write`');
  expect(md).toContain('You diagnosed: the queue is inconsistent (right)');
  expect(md).toContain('You changed: transactional-outbox on');
  expect(md).toContain('5 % of orders stayed unpaid for three minutes.');
  expect(md).toContain(code);

  const axeResults = await new AxeBuilder({ page }).include('[data-testid="gameday-results"]').analyze();
  expect(axeResults.violations, JSON.stringify(axeResults.violations, null, 2)).toEqual([]);

  // The instructor pastes it, and a mistyped copy.
  await page.goto('./?view=gameday&item=codes');
  const broken = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
  await page.getByTestId('codes-input').fill(`${code}\n${broken}`);
  await expect(page.getByTestId('code-ok')).toHaveCount(1);
  await expect(page.getByTestId('code-ok')).toContainText('orders placed but never charged');
  await expect(page.getByTestId('code-ok')).toContainText(String(total));
  await expect(page.getByTestId('code-refused')).toHaveCount(1);
  await expect(page.getByTestId('code-refused')).toContainText('does not check out');
});

test('a learner who guesses wrong and never fixes it scores lower and gets no answer', async ({ page }) => {
  const lab = new LabPage(page);
  // The fault starts at 114 s for seed 3; its red herring switches shadow-rebuild on at 40 s.
  await page.goto('./?view=gameday&item=orders-wrong-status&seed=3');
  await runTo(page, lab, 45);
  // The herring's change shows in the lab, not as the learner's.
  await expect(page.getByTestId('mitigation-toggle-shadow-rebuild')).toBeChecked();
  await expect(page.getByTestId('gameday-acts')).toContainText('0 change(s)');
  await runTo(page, lab, 150);
  await page.getByTestId('gameday-ack').click();
  await diagnose(page, 'database', 'slow');
  await expect(page.getByTestId('gameday-verdict')).toContainText('Not confirmed');
  await expect(page.getByTestId('gameday-verdict')).not.toContainText('projection');
  await page.getByTestId('gameday-hint').click();
  await expect(page.getByTestId('gameday-hint-text')).toHaveCount(1);
  await page.getByTestId('gameday-finish').click();
  const score = page.getByTestId('gameday-score');
  await expect(score).toContainText('not recovered');
  await expect(score).toContainText('no correct diagnosis; 1 wrong');
  const total = Number((await page.getByTestId('gameday-results').locator('h3').first().textContent())!.match(/(\d+) \/ 100/)![1]);
  expect(total).toBeLessThan(40);
  await expect(page.getByTestId('gameday-cause')).toContainText('projection was inconsistent');
});

test('the game day page at 375 px: the pager and its actions fit', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto('./?view=gameday&item=orders-unpaid&seed=3');
  await expect(page.getByTestId('gameday-page')).toBeVisible();
  await shot(page, 'gameday-375');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const axe = await new AxeBuilder({ page }).include('[data-testid="gameday-play"]').analyze();
  expect(axe.violations, JSON.stringify(axe.violations, null, 2)).toEqual([]);
});

test('one class code, a learner each: the same incident, different numbers, carried in the code', async ({ page }) => {
  const play = async (name: string) => {
    await page.goto('./?view=gameday');
    await page.getByTestId('gameday-class-code').fill('ops-101');
    await page.getByTestId('gameday-per-learner').check();
    await page.getByTestId('gameday-learner').fill(name);
    await page.getByTestId('gameday-start').click();
    await expect(page.getByTestId('gameday-class')).toContainText(`learner “${name}”`);
    await expect(page.getByTestId('gameday-page')).toBeVisible();
    expect(page.url()).toContain('class=ops-101');
    expect(page.url()).toContain('learner=');
    const text = (await page.getByTestId('gameday-page').textContent())!;
    const [, title, seed] = text.match(/Paged: (.*?) · .* seed (\d+)/)!;
    return { title, seed };
  };
  const ada = await play('Ada Lovelace');
  const grace = await play('Grace Hopper');
  expect(grace.title).toBe(ada.title);
  expect(grace.seed).not.toBe(ada.seed);
  // The shared link plays the same again.
  await page.reload();
  await expect(page.getByTestId('gameday-page')).toContainText(`seed ${grace.seed}`);
  // Finished, the completion code carries the learner's seed.
  await page.getByTestId('gameday-finish').click();
  const code = (await page.getByTestId('gameday-code').textContent())!.trim();
  await page.goto('./?view=gameday&item=codes');
  await page.getByTestId('codes-input').fill(code);
  await expect(page.getByTestId('code-ok')).toContainText(grace.seed);
  await expect(page.getByTestId('code-ok')).toContainText(grace.title);
});
