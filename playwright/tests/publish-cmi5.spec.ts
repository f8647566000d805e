// `make scorm` writes a cmi5 package per tutorial series too: cmi5.xml (checked against
// the course structure schema in scripts/scorm-schemas/cmi5/) with an AU per tutorial.
// The AU is launched as a cmi5 LMS launches it, with the launch parameters in its
// address, against a recording LRS on its own origin (pages/recording-lrs.ts): it must
// fetch its token once, read LMS.LaunchData, and send the statements cmi5 asks for, with
// the token, the xAPI version header, the registration and the session id, to that LRS
// and nowhere else.
import { expect, test, type Frame, type Page } from '../pages/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve } from '../pages/publish-server';
import { ACTOR, RecordingLrs, TOKEN } from '../pages/recording-lrs';
import { TutorialPage } from '../pages/tutorial-page';

const root = path.resolve(__dirname, '..', '..');
const content = process.env.SDL_CONTENT_DIR ?? path.join(root, 'content');
const hasContent = fs.existsSync(path.join(content, 'series.toml'));
const schema = path.join(root, 'scripts', 'scorm-schemas', 'cmi5', 'CourseStructure.xsd');
const TUTORIAL = 'latency-baseline';
const V = (verb: string) => `http://adlnet.gov/expapi/verbs/${verb}`;
const CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5';
const MOVEON = 'https://w3id.org/xapi/cmi5/context/categories/moveon';
const SESSION = 'https://w3id.org/xapi/cmi5/context/extensions/sessionid';

function xmllint(file: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('xmllint', ['--noout', '--schema', schema, file], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e: any) {
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? e.message}` };
  }
}
let hasXmllint = true;
try {
  execFileSync('xmllint', ['--version'], { stdio: 'pipe' });
} catch {
  hasXmllint = false;
}

async function auFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().includes('/pkg/'))).toBe(true);
  return page.frames().find((f) => f.url().includes('/pkg/'))!;
}

test.describe('cmi5 packages', () => {
  // The AU's own state document does not exist at a first launch: the LRS answers 404,
  // as xAPI says, and the browser logs it.
  test.use({ expectedConsoleErrors: [/status of 404 \(Not Found\)/] });
  test.skip(!hasContent, `no tutorials at ${content} (content/ not in this tree; set SDL_CONTENT_DIR)`);
  let out: string;
  test.beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'sdl-cmi5-'));
    execFileSync('python3', [path.join(root, 'scripts', 'scorm.py'), '--dist', path.join(root, 'dist'), '--content', content, '--out', path.join(out, 'zips')]);
  });
  test.afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('each series has a cmi5 package whose cmi5.xml the course structure schema accepts', () => {
    test.skip(!hasXmllint, 'xmllint not installed (scripts/bootstrap.sh test installs libxml2-utils)');
    const zips = fs.readdirSync(path.join(out, 'zips')).filter((z) => z.endsWith('-cmi5.zip')).sort();
    const series = fs.readFileSync(path.join(content, 'series.toml'), 'utf8').match(/^\[\[series\]\]/gm)!.length;
    expect(zips.length, 'one package per series').toBe(series);
    for (const zip of zips) {
      const dir = path.join(out, 'pkg', zip.replace(/\.zip$/, ''));
      execFileSync('python3', ['-m', 'zipfile', '-e', path.join(out, 'zips', zip), dir]);
      const file = path.join(dir, 'cmi5.xml');
      const lint = xmllint(file);
      expect(lint.ok, `${zip}: ${lint.out}`).toBe(true);
      const xml = fs.readFileSync(file, 'utf8');
      const seriesId = zip.replace(/-cmi5\.zip$/, '');
      const tutorials = fs.readdirSync(path.join(content, 'tutorials', seriesId)).length;
      // An AU per tutorial, as the SCORM packages have an item per tutorial.
      expect(xml.match(/<au /g)!.length).toBe(tutorials);
      expect(xml.match(/moveOn="CompletedAndPassed" masteryScore="0.8"/g)!.length).toBe(tutorials);
      for (const m of xml.matchAll(/<url>([^<]+)<\/url>/g)) {
        const url = m[1].replaceAll('&amp;', '&');
        expect(url, 'relative launch URL').not.toMatch(/^[a-z]+:/);
        expect(fs.existsSync(path.join(dir, url.split('?')[0]))).toBe(true);
      }
      expect(fs.readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain("connect-src 'self' https:;");
    }
    // The schema bites: a wrong moveOn, a mastery score over 1 and a missing url are refused.
    const bad = path.join(out, 'bad-cmi5.xml');
    const good = fs.readFileSync(path.join(out, 'pkg', 'latency-cmi5', 'cmi5.xml'), 'utf8');
    for (const broken of [
      good.replace('moveOn="CompletedAndPassed"', 'moveOn="Finished"'),
      good.replace('masteryScore="0.8"', 'masteryScore="1.5"'),
      good.replace(/<url>[^<]+<\/url>/, ''),
    ]) {
      fs.writeFileSync(bad, broken);
      expect(xmllint(bad).ok, broken.slice(0, 0)).toBe(false);
    }
  });

  async function launch(page: Page, lrs: RecordingLrs, server: { origin: string }): Promise<Frame> {
    await lrs.install(page);
    // The LMS's page: a frame the AU is launched in.
    await page.route(`${server.origin}/lms/`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>LMS</title><iframe id="au" width="1280" height="760" title="AU"></iframe>' }));
    if (!page.url().endsWith('/lms/')) await page.goto(`${server.origin}/lms/`);
    await page.evaluate((src) => ((document.getElementById('au') as HTMLIFrameElement).src = src),
      `/pkg/latency-cmi5/index.html?series=latency&tutorial=${TUTORIAL}&${lrs.launchQuery()}`);
    const au = await auFrame(page);
    await expect(au.getByTestId('tutorial-title')).toContainText('baseline');
    return au;
  }

  test('the AU fetches its token, reads LMS.LaunchData and reports initialized, progressed, completed, passed and terminated to the LRS the launch names', async ({ page }) => {
    test.setTimeout(150_000);
    const dir = path.join(out, 'pkg', 'latency-cmi5');
    if (!fs.existsSync(dir)) execFileSync('python3', ['-m', 'zipfile', '-e', path.join(out, 'zips', 'latency-cmi5.zip'), dir]);
    const server = await serve(path.join(out, 'pkg'), '/pkg/');
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.origin) && !r.url().startsWith('about:') && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) elsewhere.push(r.url());
    });
    try {
      const lrs = new RecordingLrs(server.origin, `latency:${TUTORIAL}`);
      const au = await launch(page, lrs, server);
      await expect.poll(() => lrs.verbs()).toEqual(['launched', 'initialized']);
      expect(await au.evaluate(() => (window as any).sdlLab.lms.version())).toBe('cmi5');
      expect(lrs.fetches, 'the fetch URL is used once').toBe(1);
      // The token and the xAPI version on every request to the endpoint.
      const toLrs = lrs.requests.filter((r) => r.url.startsWith(lrs.endpoint));
      expect(toLrs.every((r) => r.auth === `Basic ${TOKEN}` && r.version === '1.0.3')).toBe(true);
      const read = toLrs.findIndex((r) => r.method === 'GET' && new URL(r.url).searchParams.get('stateId') === 'LMS.LaunchData');
      expect(read, 'LMS.LaunchData read before the first statement').toBeGreaterThanOrEqual(0);
      expect(read).toBeLessThan(toLrs.findIndex((r) => r.url.endsWith('/statements')));
      expect(lrs.requests.filter((r) => r.method === 'PUT' && r.url.includes('LMS.LaunchData')), 'LaunchData left as it is').toEqual([]);

      // The learner does the step (progressed), then the quiz, right: completed, passed.
      const tut = new TutorialPage(au as unknown as Page);
      await tut.applyAndPass();
      await expect.poll(() => lrs.verbs()).toContain('progressed');
      await tut.next.click();
      await tut.choice(1, 3).check();
      await tut.quizSubmit.click();
      await expect(tut.quizScore).toContainText('Score: 1 of 1');
      await expect.poll(() => lrs.verbs()).toContain('passed');
      // The progress is kept in the AU's own state document.
      await expect.poll(() => JSON.parse(lrs.state.get('sdl-progress') ?? '{}').passed).toBe(true);
      // Leaving: Terminated, last.
      await page.evaluate(() => ((document.getElementById('au') as HTMLIFrameElement).src = 'about:blank'));
      await expect.poll(() => lrs.verbs().at(-1)).toBe('terminated');
      expect(lrs.verbs()).toEqual(['launched', 'initialized', 'progressed', 'completed', 'passed', 'terminated']);

      const sent = lrs.statements.slice(1);
      for (const s of sent) {
        expect(s.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(s.actor).toEqual(ACTOR);
        expect(s.object.id).toBe(lrs.activityId);
        expect(s.context.registration).toBe(lrs.registration);
        expect(s.context.extensions[SESSION]).toBe(lrs.sessionId);
        expect(s.context.contextActivities.grouping).toEqual([{ id: lrs.publisherId }]);
        expect(Date.parse(s.timestamp)).not.toBeNaN();
        const categories = (s.context.contextActivities.category ?? []).map((c: any) => c.id);
        const verb = s.verb.id.split('/').pop();
        expect(s.verb.id).toBe(V(verb));
        // cmi5 defined statements carry the cmi5 category; progressed is cmi5 allowed.
        expect(categories.includes(CMI5), verb).toBe(verb !== 'progressed');
        expect(categories.includes(MOVEON), verb).toBe(['completed', 'passed', 'failed'].includes(verb));
        if (['completed', 'passed', 'terminated'].includes(verb)) expect(s.result.duration, verb).toMatch(/^PT\d+H\d+M\d+\.\d{2}S$/);
      }
      const [initialized, progressed, completed, passed, terminated] = sent;
      expect(initialized.result).toBeUndefined();
      const progress = progressed.result.extensions['https://w3id.org/xapi/cmi5/result/extensions/progress'];
      expect(progress).toBe(50);
      expect(completed.result.completion).toBe(true);
      expect(completed.result.score).toBeUndefined();
      expect(passed.result.success).toBe(true);
      expect(passed.result.score).toEqual({ scaled: 1, raw: 100, min: 0, max: 100 });
      expect(passed.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/masteryscore']).toBe(0.8);
      const seconds = (d: string) => { const m = d.match(/^PT(\d+)H(\d+)M([\d.]+)S$/)!; return +m[1] * 3600 + +m[2] * 60 + +m[3]; };
      expect(seconds(terminated.result.duration)).toBeGreaterThanOrEqual(seconds(passed.result.duration));
      // Timestamps in order.
      const times = sent.map((s) => Date.parse(s.timestamp));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(elsewhere, 'no request leaves the origin but to the LRS').toEqual([]);

      // The next session of the same registration: the progress comes back from the LRS,
      // and Completed and Passed are not sent again.
      const next = lrs.relaunch();
      const again = await launch(page, next, server);
      await expect.poll(() => next.verbs()).toEqual(['launched', 'initialized']);
      await expect(again.getByTestId('tutorial-title')).toBeVisible();
      // What it keeps now is the progress it read back (merged), not a fresh start over it.
      const puts = () => next.requests.filter((r) => r.method === 'PUT');
      await expect.poll(() => puts().length).toBeGreaterThan(0);
      const kept = JSON.parse(puts().at(-1)!.body!);
      expect(kept.progress.tutorials[TUTORIAL]).toMatchObject({ completed: true, score: { correct: 1, total: 1 } });
      expect(kept).toMatchObject({ completed: true, passed: true });
      await page.evaluate(() => ((document.getElementById('au') as HTMLIFrameElement).src = 'about:blank'));
      await expect.poll(() => next.verbs()).toEqual(['launched', 'initialized', 'terminated']);
      expect(next.statements[1].context.extensions[SESSION]).toBe(next.sessionId);
    } finally {
      await server.close();
    }
  });

  test('a failed quiz is reported as failed with its score, and no second judgement in the session', async ({ page }) => {
    test.setTimeout(120_000);
    const dir = path.join(out, 'pkg', 'latency-cmi5');
    if (!fs.existsSync(dir)) execFileSync('python3', ['-m', 'zipfile', '-e', path.join(out, 'zips', 'latency-cmi5.zip'), dir]);
    const server = await serve(path.join(out, 'pkg'), '/pkg/');
    try {
      const lrs = new RecordingLrs(server.origin, `latency:${TUTORIAL}`);
      const au = await launch(page, lrs, server);
      await expect.poll(() => lrs.verbs()).toEqual(['launched', 'initialized']);
      const tut = new TutorialPage(au as unknown as Page);
      await tut.next.click();
      await tut.choice(1, 2).check();
      await tut.quizSubmit.click();
      await expect(tut.quizScore).toContainText('Score: 0 of 1');
      await expect.poll(() => lrs.verbs()).toContain('failed');
      const failed = lrs.statements.find((s) => s.verb.id === V('failed'));
      expect(failed.result).toMatchObject({ success: false, score: { scaled: 0, raw: 0, min: 0, max: 100 } });
      expect(failed.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/masteryscore']).toBe(0.8);
      // Right the second time: at most one of Passed and Failed in a session.
      await tut.choice(1, 3).check();
      await tut.quizSubmit.click();
      await expect(tut.quizScore).toContainText('Score: 1 of 1');
      await page.evaluate(() => ((document.getElementById('au') as HTMLIFrameElement).src = 'about:blank'));
      await expect.poll(() => lrs.verbs().at(-1)).toBe('terminated');
      expect(lrs.verbs().filter((v) => v === 'passed' || v === 'failed')).toEqual(['failed']);
    } finally {
      await server.close();
    }
  });
});

test('a cmi5 launch that lacks a parameter is said so, and the lab runs standalone', async ({ page }) => {
  await page.goto(`./index.html?series=latency&tutorial=${TUTORIAL}&endpoint=${encodeURIComponent('http://127.0.0.1:1/xapi/')}&fetch=x`);
  await expect(page.getByTestId('lms-notice')).toContainText('cmi5');
  await expect(page.getByTestId('lms-notice')).toContainText('no `actor`');
  expect(await page.evaluate(() => (window as any).sdlLab.lms.version())).toBeUndefined();
  await expect(page.getByTestId('link-notice')).toHaveCount(0);
});
