// `make scorm`: every package (SCORM 1.2 and 2004, one per tutorial series) is launched
// in a stand-in LMS that implements the run-time API and records the calls. The lab finds
// the API from its frame, initialises, reports completion and score (the call the
// tutorial panel makes), keeps progress in suspend data across launches, and finishes.
import { expect, test, type Frame, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LabPage } from '../pages/lab-page';
import { serve } from '../pages/publish-server';

const root = path.resolve(__dirname, '..', '..');
// The tutorials live in content/ (the content crate); SDL_CONTENT_DIR points elsewhere.
const content = process.env.SDL_CONTENT_DIR ?? path.join(root, 'content');
const hasContent = fs.existsSync(path.join(content, 'series.toml'));

type Call = string[];
const calls = (page: Page) => page.evaluate(() => (window as unknown as { lmsCalls: string[][] }).lmsCalls);

async function scoFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().find((f) => f.url().includes('/pkg/')) !== undefined).toBe(true);
  return page.frames().find((f) => f.url().includes('/pkg/'))!;
}

test.describe('SCORM packages', () => {
  test.skip(!hasContent, `no tutorials at ${content} (content/ not in this tree; set SDL_CONTENT_DIR)`);
  let out: string;
  test.beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'sdl-scorm-'));
    execFileSync('python3', [
      path.join(root, 'scripts', 'scorm.py'),
      '--dist', path.join(root, 'dist'),
      '--content', content,
      '--out', path.join(out, 'zips'),
    ]);
  });
  test.afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  for (const [version, api] of [['12', 'SCORM 1.2'], ['2004', 'SCORM 2004']] as const) {
    test(`each ${api} package reports initialise, completion, score, suspend data and finish`, async ({ page }) => {
      test.setTimeout(300_000);
      const zips = fs.readdirSync(path.join(out, 'zips')).filter((z) => z.endsWith(`-scorm${version}.zip`)).sort();
      const series = fs.readFileSync(path.join(content, 'series.toml'), 'utf8').match(/^\[\[series\]\]/gm)!.length;
      expect(zips.length, 'one package per series').toBe(series);
      const names = version === '12'
        ? { init: 'LMSInitialize', set: 'LMSSetValue', commit: 'LMSCommit', finish: 'LMSFinish', status: 'cmi.core.lesson_status', raw: 'cmi.core.score.raw', exit: 'cmi.core.exit' }
        : { init: 'Initialize', set: 'SetValue', commit: 'Commit', finish: 'Terminate', status: 'cmi.completion_status', raw: 'cmi.score.raw', exit: 'cmi.exit' };

      for (const zip of zips) {
        const dir = path.join(out, 'pkg', zip.replace(/\.zip$/, ''));
        execFileSync('python3', ['-m', 'zipfile', '-e', path.join(out, 'zips', zip), dir]);
        const manifest = fs.readFileSync(path.join(dir, 'imsmanifest.xml'), 'utf8');
        expect(manifest).toContain(version === '12' ? '<schemaversion>1.2</schemaversion>' : '<schemaversion>2004 4th Edition</schemaversion>');
        const href = manifest.match(/<resource identifier="sco"[^>]*href="([^"]+)"/)![1];
        const params = manifest.match(/<item [^>]*parameters="([^"]+)"/)![1].replaceAll('&amp;', '&');
        for (const file of manifest.matchAll(/<file href="([^"]+)"\/>/g)) {
          expect(fs.existsSync(path.join(dir, file[1])), `${zip}: ${file[1]} listed and packaged`).toBe(true);
        }

        const server = await serve(path.join(out, 'pkg'), '/pkg/', { '/lms/': path.join(__dirname, '..', 'pages') });
        try {
          const launch = `/pkg/${path.basename(dir)}/${href}${params}`;
          await page.goto(`${server.origin}/lms/publish-scorm-lms.html?v=${version}&launch=${encodeURIComponent(launch)}`);
          let sco = await scoFrame(page);
          await expect(sco.getByTestId('play-toggle')).toBeVisible();
          await expect.poll(async () => (await calls(page)).map((c) => c[0])).toContain(names.init);
          expect(await sco.evaluate(() => (window as any).sdlLab.lms.version())).toBe(`scorm${version}`);
          // The lab runs inside the LMS frame.
          await expect.poll(() => new LabPage(sco as unknown as Page).virtualSeconds()).toBeGreaterThan(0);
          let log: Call[] = await calls(page);
          expect(log[0].slice(0, 2), `${zip}: initialise first`).toEqual([names.init, '']);
          expect(log).toContainEqual([names.set, names.status, 'incomplete', 'true']);

          // What the tutorial panel calls when the learner finishes the series' quiz.
          await sco.evaluate(() => {
            const lms = (window as any).sdlLab.lms;
            if (!lms.saveProgress('latency-baseline:4/4')) throw new Error('suspend data refused');
            lms.reportProgress(true, 80);
          });
          log = await calls(page);
          expect(log).toContainEqual([names.set, names.status, 'completed', 'true']);
          expect(log).toContainEqual([names.set, names.raw, '80', 'true']);
          if (version === '2004') expect(log).toContainEqual(['SetValue', 'cmi.score.scaled', '0.8', 'true']);
          expect(log).toContainEqual([names.set, 'cmi.suspend_data', 'latency-baseline:4/4', 'true']);
          expect(log.at(-1)![0], 'committed').toBe(names.commit);

          // Leaving the SCO finishes the session.
          await page.evaluate(() => ((document.getElementById('sco') as HTMLIFrameElement).src = 'about:blank'));
          await expect.poll(async () => (await calls(page)).at(-1)?.[0]).toBe(names.finish);
          log = await calls(page);
          expect(log).toContainEqual([names.set, names.exit, version === '12' ? '' : 'normal', 'true']);

          // A second launch resumes: the saved progress comes back, completion stays.
          await page.evaluate((l) => ((document.getElementById('sco') as HTMLIFrameElement).src = l), launch);
          sco = await scoFrame(page);
          await expect.poll(async () => (await calls(page)).filter((c) => c[0] === names.init).length).toBe(2);
          // The tutorial panel keeps the learner's progress (sdl-progress JSON) as suspend
          // data, so a relaunch on another computer resumes it.
          const saved = JSON.parse(await sco.evaluate(() => (window as any).sdlLab.lms.savedProgress()));
          expect(saved.format).toBe('sdl-progress');
          expect(saved.version).toBe(1);
          const second = (await calls(page)).slice(log.length);
          expect(second).not.toContainEqual([names.set, names.status, 'incomplete', 'true']);
        } finally {
          await server.close();
        }
      }
    });
  }
});

test('outside an LMS the lab runs standalone and reports nowhere', async ({ page }) => {
  const lab = new LabPage(page);
  await page.goto('./index.html?series=latency&tutorial=latency-baseline');
  await expect(lab.playToggle).toBeVisible();
  await expect.poll(() => lab.value('throughput')).toBeGreaterThan(0);
  // The launch parameters are a tutorial deep link: no "could not be used" notice.
  await expect(page.getByTestId('link-notice')).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).sdlLab.lms.version())).toBeUndefined();
  // The calls are safe no-ops.
  expect(await page.evaluate(() => (window as any).sdlLab.lms.saveProgress('x'))).toBe(false);
  await page.evaluate(() => (window as any).sdlLab.lms.reportProgress(true, 50));
});
