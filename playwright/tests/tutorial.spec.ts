// The tutorial panel as a learner meets it: a tutorial done end to end (Apply, Check, the
// quiz with feedback and a score), progress that survives a reload, stored progress that
// is corrupt (kept aside, the learner told, the page still works), deep links, progress
// export/import/reset, accessibility and a phone-sized screen.
import AxeBuilder from '@axe-core/playwright';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '../pages/test';
import { LabPage } from '../pages/lab-page';
import { TutorialPage } from '../pages/tutorial-page';

// Several page loads per test, on a machine that may be busy: more than the default 30 s.
test.describe.configure({ timeout: 90_000 });

test('complete a tutorial end to end, quiz included; a reload keeps the progress', async ({ page }) => {
  const tut = new TutorialPage(page);
  await tut.open();
  await expect(tut.entryState('latency-baseline')).toBeHidden(); // series folded
  await tut.openFromIndex('latency', 'latency-baseline');
  await expect(tut.title).toContainText('baseline');
  await expect(tut.pageTitle).toContainText('Step 1 of 1');

  // Apply starts the step's lab; checking at once says to let it run.
  await tut.apply.click();
  await tut.check.click();
  await expect(tut.checkResult).toHaveAttribute('data-passed', 'false');
  await expect(tut.checkResult).toContainText('Not yet');

  await tut.applyAndPass();
  await expect(tut.checkResult).toContainText('As expected');
  await expect(page.getByTestId('step-passed')).toBeVisible();

  // Hints come one at a time.
  await page.getByTestId('hint-next').click();
  await expect(page.getByTestId('hints').locator('li')).toHaveCount(1);

  await tut.next.click();
  await expect(tut.pageTitle).toContainText('Wrap-up');
  await expect(page.getByTestId('exercise-1')).toBeVisible();

  // A wrong answer first: feedback per answer, with the explanation and the right one.
  await tut.choice(1, 2).check();
  await tut.quizSubmit.click();
  await expect(tut.feedback(1)).toContainText('Not quite');
  await expect(tut.feedback(1)).toContainText('The right answer');
  await expect(tut.quizScore).toContainText('Score: 0 of 1');

  await tut.choice(1, 3).check();
  await tut.quizSubmit.click();
  await expect(tut.feedback(1)).toContainText('Right.');
  await expect(tut.quizScore).toContainText('Score: 1 of 1');
  await expect(tut.quizScore).toContainText('Tutorial completed');

  const stored = await tut.storedProgress();
  expect(stored.format).toBe('sdl-progress');
  expect(stored.version).toBe(1);
  expect(stored.tutorials['latency-baseline'].completed).toBe(true);
  expect(stored.tutorials['latency-baseline'].steps_done).toEqual([0]);

  await page.reload();
  await expect(tut.panel).toBeVisible();
  await page.getByTestId('series-latency').locator('summary').click();
  await expect(tut.entryState('latency-baseline')).toContainText('Completed, quiz 1/1');
  // However many tutorials the series has now (the content's files).
  const inSeries = fs.readdirSync(path.join(__dirname, '..', '..', 'content', 'tutorials', 'latency')).length;
  await expect(page.getByTestId('series-latency').locator('summary')).toContainText(`1 of ${inSeries} done`);
});

test("a tutorial's prose loads when a tutorial first opens, once", async ({ page }) => {
  // The wasm holds the index; the prose (tutorials-<hash>.json) comes on first open.
  const fetched: string[] = [];
  page.on('request', (r) => /\/tutorials-[0-9a-f]{16}\.json$/.test(r.url()) && fetched.push(r.url()));
  const tut = new TutorialPage(page);
  await tut.open();
  await expect(tut.index).toBeVisible();
  expect(fetched).toHaveLength(0);
  await tut.openFromIndex('latency', 'latency-baseline');
  await expect(page.getByTestId('step')).toContainText('Every later tutorial in this series compares');
  await page.getByTestId('tutorial-back').click();
  await tut.openFromIndex('latency', 'latency-inject');
  await expect(page.getByTestId('step')).not.toBeEmpty();
  expect(fetched).toHaveLength(1);
});

test.describe(() => {
  // The offline worker would precache the file (unrouted) and answer from its cache.
  test.use({ serviceWorkers: 'block', expectedConsoleErrors: [/Failed to load resource: .*404/] });
  test("when a tutorial's prose cannot load, the panel says so and the lab still works", async ({ page }) => {
    await page.route(/\/tutorials-[0-9a-f]{16}\.json$/, (r) => r.fulfill({ status: 404, body: 'missing' }));
    const tut = new TutorialPage(page);
    await tut.open();
    await tut.page.getByTestId('series-latency').locator('summary').click();
    await tut.page.getByTestId('tutorial-entry-latency-baseline').getByRole('button').click();
    const failed = page.getByTestId('tutorial-load-error');
    await expect(failed.getByRole('alert')).toContainText(/tutorials-[0-9a-f]{16}\.json: HTTP 404/);
    // The message is as accessible as the rest of the panel, and fits a phone.
    const results = await new AxeBuilder({ page }).include('[data-testid="tutorial-panel"]').analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await page.setViewportSize({ width: 375, height: 800 });
    const width = await failed.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(width).toBeLessThanOrEqual(0);
    await failed.getByRole('button', { name: '← All tutorials' }).click();
    await expect(tut.index).toBeVisible();
    const lab = new LabPage(page);
    await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  });
});

test('corrupt stored progress: kept aside, the learner is told, the page works', async ({ page }) => {
  const tut = new TutorialPage(page);
  const lab = new LabPage(page);
  await tut.open();
  await page.evaluate(() => {
    localStorage.setItem('sdl-progress-corrupt-1', 'an older copy');
    localStorage.setItem('sdl-progress', '{"format":"sdl-progress","version":1,"tutorials":{"x":{"steps_done":"oops"}');
  });
  await page.reload();

  await expect(tut.notice).toBeVisible();
  await expect(tut.notice).toContainText('could not be read');
  await expect(tut.notice).toContainText('sdl-progress-corrupt-2');
  const kept = await page.evaluate(() => ({
    older: localStorage.getItem('sdl-progress-corrupt-1'),
    aside: localStorage.getItem('sdl-progress-corrupt-2'),
    main: localStorage.getItem('sdl-progress'),
  }));
  expect(kept.older).toBe('an older copy');
  expect(kept.aside).toContain('"oops"');
  expect(JSON.parse(kept.main!)).toEqual({ format: 'sdl-progress', version: 1, tutorials: {} });

  // The lab runs and the tutorials still open; progress is saved afresh.
  await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  await tut.openFromIndex('latency', 'latency-inject');
  await expect.poll(async () => (await tut.storedProgress())?.tutorials?.['latency-inject']).toBeTruthy();

  await page.getByTestId('progress-notice-dismiss').click();
  await expect(tut.notice).toHaveCount(0);
});

test('a deep link opens a tutorial at a step; bad links say what is wrong', async ({ page }) => {
  const tut = new TutorialPage(page);
  await tut.open('?tutorial=latency-inject&step=2');
  await expect(tut.title).toContainText('Inject a slow hop');
  await expect(tut.pageTitle).toContainText('Step 2 of 4');
  expect(await tut.stepNumber()).toBe(2);
  await expect(tut.linkError).toHaveCount(0);
  await tut.prev.click();
  await expect(tut.pageTitle).toContainText('Step 1 of 4');
  await expect(page.getByTestId('step-link')).toHaveAttribute('href', '?tutorial=latency-inject&step=1');

  await tut.open('?tutorial=no-such-tutorial&step=1');
  await expect(tut.linkError).toContainText('"no-such-tutorial"');
  await expect(tut.linkError).toContainText('does not exist');
  await expect(tut.index).toBeVisible();

  await tut.open('?tutorial=latency-inject&step=9');
  await expect(tut.linkError).toContainText('steps 1 to 4');
  await expect(tut.pageTitle).toContainText('Step 1 of 4');
});

test("Apply sets the lab up for the step; Check judges the outcome, with the step's fault as it set it", async ({ page }) => {
  const tut = new TutorialPage(page);
  const lab = new LabPage(page);
  await tut.open('?tutorial=latency-inject&step=1');
  await lab.openScenarioParams('fixed-latency');
  await lab.scenarioParam('fixed-latency', 'delay_ms').fill('555');
  await lab.scenarioParam('fixed-latency', 'delay_ms').press('Enter');
  await tut.check.click();
  await expect(tut.checkResult).toContainText('fixed-latency is off');
  await tut.apply.click();
  await expect(page.getByTestId('apply-error')).toBeEmpty();
  await expect(page.getByTestId('step-action')).toContainText('fixed-latency');
  await expect(lab.scenarioToggle('fixed-latency')).toBeChecked();
  // The fields show what the step set, not what was typed before.
  await expect(lab.scenarioParam('fixed-latency', 'delay_ms')).toHaveValue('100');
});

test('progress export, import with clear errors, and reset with confirmation', async ({ page }) => {
  const tut = new TutorialPage(page);
  await tut.open('?tutorial=latency-inject&step=2');
  await page.getByTestId('progress-tools').locator('summary').click();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('progress-export').click(),
  ]);
  expect(download.suggestedFilename()).toBe('sdl-progress.json');
  const exported = JSON.parse(
    await download.createReadStream().then(
      (s) => new Promise<string>((ok) => {
        let text = '';
        s.on('data', (c) => (text += c));
        s.on('end', () => ok(text));
      }),
    ),
  );
  expect(exported.format).toBe('sdl-progress');
  expect(exported.tutorials['latency-inject'].current_step).toBe(1);

  const importInput = page.getByTestId('progress-import');
  await importInput.setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"other"}') });
  await expect(page.getByTestId('progress-status')).toContainText('not a Systems Design Lab progress file');
  await importInput.setInputFiles({
    name: 'y.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format":"sdl-progress","version":99}'),
  });
  await expect(page.getByTestId('progress-status')).toContainText('newer version');
  // Larger than any progress file: refused by its size, before it is read.
  await importInput.setInputFiles({ name: 'big.json', mimeType: 'application/json', buffer: Buffer.alloc(5_000_000, 32) });
  await expect(page.getByTestId('progress-status')).toContainText('is 5000000 bytes; progress files are at most 1000000 bytes');

  const good = {
    format: 'sdl-progress',
    version: 1,
    tutorials: { 'latency-baseline': { steps_done: [0], completed: true, completed_ms: 5, updated_ms: 5, score: { correct: 1, total: 1 } } },
  };
  await importInput.setInputFiles({ name: 'z.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(good)) });
  await expect(page.getByTestId('progress-status')).toContainText('Imported progress for 1 tutorial');
  await page.getByTestId('tutorial-back').click();
  await page.getByTestId('series-latency').locator('summary').click();
  await expect(tut.entryState('latency-baseline')).toContainText('Completed');

  await page.getByTestId('progress-reset').click();
  await page.getByTestId('progress-reset-cancel').click();
  await expect(tut.entryState('latency-baseline')).toContainText('Completed');
  await page.getByTestId('progress-reset').click();
  await page.getByTestId('progress-reset-confirm').click();
  await expect(tut.entryState('latency-baseline')).toContainText('Not started');
  await expect(page.getByTestId('progress-status')).toContainText('reset');
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`tutorial panel: axe-core finds no serious or critical violations (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    const tut = new TutorialPage(page);
    const lab = new LabPage(page);
    await tut.open('?tutorial=latency-inject&step=1');
    await tut.check.click();
    await expect(tut.checkResult).toBeVisible();
    await page.getByTestId('hint-next').click();
    await page.getByTestId('progress-tools').locator('summary').click();
    await lab.pause();
    const check = async () => {
      const results = await new AxeBuilder({ page }).include('[data-testid="tutorial-panel"]').analyze();
      const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    };
    await check();
    // The wrap-up page with quiz feedback showing.
    await tut.open('?tutorial=latency-inject&step=4');
    await tut.next.click();
    await tut.quizSubmit.click();
    await expect(tut.feedback(1)).not.toBeEmpty();
    await check();
    await page.getByTestId('tutorial-back').click();
    await page.getByTestId('series-latency').locator('summary').click();
    await check();
  });
}

test('the tutorial panel fits a 375 px wide phone', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const tut = new TutorialPage(page);
  await tut.open('?tutorial=latency-inject&step=1');
  await expect(tut.apply).toBeVisible();
  const fits = async () => {
    const o = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(o.scroll, JSON.stringify(o)).toBeLessThanOrEqual(o.client);
  };
  await fits();
  await tut.open('?tutorial=latency-inject&step=4');
  await tut.next.click();
  await expect(tut.quiz).toBeVisible();
  await fits();
});

// Issue 18, defect 2: each tab wrote its whole document, so tab A's next save erased
// what tab B had done meanwhile. Now each tab takes the other's newer tutorials (on the
// storage event, and from storage before it writes).
test('two open tabs keep each other’s progress', async ({ context }) => {
  const a = new TutorialPage(await context.newPage());
  await a.open('?tutorial=latency-inject&step=1');
  await expect(a.pageTitle).toContainText('Step 1');

  const b = new TutorialPage(await context.newPage());
  await b.open();
  await b.openFromIndex('latency', 'latency-baseline');
  await b.applyAndPass();
  await b.next.click();
  await b.choice(1, 3).check();
  await b.quizSubmit.click();
  await expect(b.quizScore).toContainText('Tutorial completed');

  await a.page.bringToFront();
  await a.next.click();
  await expect(a.pageTitle).toContainText('Step 2');
  const stored = await a.storedProgress();
  expect(stored.tutorials['latency-baseline']?.completed, JSON.stringify(stored)).toBe(true);
  expect(stored.tutorials['latency-inject'].current_step).toBe(1);
  // Tab A shows B's work too, and B sees A's step.
  await a.page.getByTestId('tutorial-back').click();
  await a.page.getByTestId('series-latency').locator('summary').click();
  await expect(a.entryState('latency-baseline')).toContainText('Completed, quiz 1/1');
  expect((await b.storedProgress()).tutorials['latency-inject'].current_step).toBe(1);
});

test('a mitigate step leaves the fix to the learner: the fault alone fails, a fix that works passes', async ({ page }) => {
  const tut = new TutorialPage(page);
  const lab = new LabPage(page);
  await tut.open('?tutorial=latency-mitigate&step=3');
  await expect(page.getByTestId('step-choose')).toBeVisible();
  await expect(page.getByTestId('step-action')).toContainText('timeout-too-long');
  await expect(page.getByTestId('step-action')).not.toContainText('mitigations');
  await tut.apply.click();
  await expect(lab.scenarioToggle('timeout-too-long')).toBeChecked();
  await expect(page.getByTestId('mitigation-toggle-timeouts')).not.toBeChecked();
  await page.getByTestId('speed-select').selectOption('max');
  // Without a fix, the step's check fails once the run is long enough.
  await expect(async () => {
    await tut.check.click();
    await expect(tut.checkResult).toHaveAttribute('data-passed', 'false', { timeout: 500 });
    await expect(tut.checkResult).not.toContainText('run the lab to at least', { timeout: 500 });
  }).toPass({ timeout: 20_000 });
  // The learner's own fix: the timeouts mitigation switched on by hand.
  await page.getByTestId('mitigation-toggle-timeouts').check();
  await expect(async () => {
    await tut.check.click();
    await expect(tut.checkResult).toHaveAttribute('data-passed', 'true', { timeout: 500 });
  }).toPass({ timeout: 30_000 });
});

test('a diagnose step is blind: the fault is not named, a wrong answer gets a hint, the right one passes', async ({ page }) => {
  const tut = new TutorialPage(page);
  await tut.open('?tutorial=latency-diagnose&step=2');
  await expect(page.getByTestId('step-action')).toContainText('which one is for you to find');
  await expect(page.getByTestId('step-action')).not.toContainText('tail-latency');
  await expect(tut.check).toHaveCount(0);
  await tut.apply.click();
  await page.getByTestId('diagnosis-component').selectOption('database');
  await page.getByTestId('diagnosis-kind').selectOption('slow');
  await page.getByTestId('diagnosis-submit').click();
  await expect(tut.checkResult).toHaveAttribute('data-passed', 'false');
  await expect(tut.checkResult).toContainText('but not the database');
  await expect(tut.checkResult).not.toContainText('tail-latency');
  await page.getByTestId('diagnosis-component').selectOption('service');
  await page.getByTestId('diagnosis-submit').click();
  await expect(tut.checkResult).toHaveAttribute('data-passed', 'true');
  await expect(page.getByTestId('step-passed')).toBeVisible();
  const results = await new AxeBuilder({ page }).include('[data-testid="diagnosis"]').analyze();
  expect(results.violations).toEqual([]);
});
