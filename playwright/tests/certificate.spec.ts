// A series certificate as a learner earns it and an instructor checks it: progress that
// finishes the queueing series (every step checked, every quiz passed) seeded in the
// browser's storage as a returning learner's would be; the index offers the certificate,
// asks for the name, shows it printable and downloadable with its verification code; the
// instructor's codes page reads the code with that name and refuses it with another.
// axe on the certificate; a phone-sized screen.
import AxeBuilder from '@axe-core/playwright';
import * as fs from 'node:fs';
import { expect, test, type Page } from '../pages/test';
import { TutorialPage } from '../pages/tutorial-page';

test.describe.configure({ timeout: 90_000 });

const done = (correct: number, total: number) => ({
  steps_done: [0, 1, 2], completed: true, completed_ms: 5, updated_ms: 5, score: { correct, total },
});

/** The queueing series finished: three tutorials of three steps, quizzes of two. */
const finished = {
  format: 'sdl-progress', version: 1,
  tutorials: {
    'queue-utilisation': done(2, 2),
    'queue-littles-law': done(2, 2),
    'queue-p99-saturation': done(2, 2),
  },
};

async function seed(page: Page, tut: TutorialPage, progress: object): Promise<void> {
  await tut.open();
  await page.evaluate((p) => localStorage.setItem('sdl-progress', p), JSON.stringify(progress));
  await page.reload();
  await expect(tut.panel).toBeVisible();
}

test('a finished series gives a certificate whose code checks out with the printed name only', async ({ page }) => {
  const tut = new TutorialPage(page);
  // A quiz under 80 %: no certificate yet.
  await seed(page, tut, { ...finished, tutorials: { ...finished.tutorials, 'queue-littles-law': done(1, 2) } });
  await page.getByTestId('series-queueing').locator('summary').click();
  await expect(page.getByTestId('series-queueing').locator('summary')).toContainText('3 of 3 done');
  await expect(page.getByTestId('certificate-offer-queueing')).toHaveCount(0);

  await seed(page, tut, finished);
  await page.getByTestId('series-queueing').locator('summary').click();
  const offer = page.getByTestId('certificate-offer-queueing');
  await expect(offer).toBeVisible();
  await expect(page.getByTestId('certificate-offer-latency')).toHaveCount(0);
  await offer.getByTestId('certificate-get').click();
  await expect(offer.getByRole('alert')).toContainText('Type your name');
  await offer.getByTestId('certificate-name').fill('  Ada   Lovelace ');
  await offer.getByTestId('certificate-get').click();

  const cert = page.getByTestId('certificate');
  await expect(cert).toBeVisible();
  await expect(page.getByTestId('certificate-printed-name')).toHaveText('Ada Lovelace');
  await expect(page.getByTestId('certificate-series')).toHaveText('Queueing theory in practice');
  await expect(page.getByTestId('certificate-score')).toContainText('quiz score of 100 %');
  await expect(page.getByTestId('certificate-score')).toContainText(/\d{1,2} [A-Z][a-z]+ 20\d\d/);
  const code = (await page.getByTestId('certificate-code').textContent())!.trim();
  expect(code).toMatch(/^CERT1-[0-9A-Z-]+$/);

  const axe = await new AxeBuilder({ page }).include('[data-testid="tutorial-index"]').analyze();
  expect(axe.violations, JSON.stringify(axe.violations, null, 2)).toEqual([]);
  await cert.screenshot({ path: test.info().outputPath('certificate-1280.png') });

  // Printed, only the certificate shows.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('certificate-print')).toBeHidden();
  await expect(page.getByTestId('series-latency')).toBeHidden();
  await page.screenshot({ path: test.info().outputPath('certificate-print.png') });
  await page.emulateMedia({ media: 'screen' });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('certificate-download').click()]);
  expect(download.suggestedFilename()).toBe('certificate-queueing.html');
  const html = fs.readFileSync((await download.path())!, 'utf8');
  expect(html).toContain('Ada Lovelace');
  expect(html).toContain('Queueing theory in practice');
  expect(html).toContain(code);

  // The instructor checks it: with the name, another name, no name, and an edited code.
  await page.goto('./?view=gameday&item=codes');
  const edited = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
  await page.getByTestId('codes-input').fill(`${code} Ada Lovelace\n${code} Grace Hopper\n${code}\n${edited} Ada Lovelace`);
  await expect(page.getByTestId('certificate-ok')).toHaveCount(1);
  await expect(page.getByTestId('certificate-ok')).toContainText('Queueing theory in practice');
  await expect(page.getByTestId('certificate-ok')).toContainText('100');
  await expect(page.getByTestId('certificate-wrong-name')).toHaveCount(1);
  await expect(page.getByTestId('certificate-wrong-name')).toContainText('not made for “Grace Hopper”');
  await expect(page.getByTestId('certificate-unnamed')).toHaveCount(1);
  await expect(page.getByTestId('code-refused')).toHaveCount(1);
  await expect(page.getByTestId('code-refused')).toContainText('does not check out');
  const axeCodes = await new AxeBuilder({ page }).include('[data-testid="gameday-codes"]').analyze();
  expect(axeCodes.violations, JSON.stringify(axeCodes.violations, null, 2)).toEqual([]);
  await page.screenshot({ path: test.info().outputPath('codes-1280.png'), fullPage: true });
});

test('the certificate at 375 px: readable, nothing overflows', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const tut = new TutorialPage(page);
  await seed(page, tut, finished);
  await page.getByTestId('series-queueing').locator('summary').click();
  const offer = page.getByTestId('certificate-offer-queueing');
  await offer.getByTestId('certificate-name').fill('Maria Salomea Skłodowska-Curie');
  await offer.getByTestId('certificate-get').click();
  await expect(page.getByTestId('certificate')).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const box = (await page.getByTestId('certificate').boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(375);
  const axe = await new AxeBuilder({ page }).include('[data-testid="certificate"]').analyze();
  expect(axe.violations, JSON.stringify(axe.violations, null, 2)).toEqual([]);
  await page.getByTestId('certificate').screenshot({ path: test.info().outputPath('certificate-375.png') });
  await page.goto('./?view=gameday&item=codes');
  const o2 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(o2).toBeLessThanOrEqual(0);
});
