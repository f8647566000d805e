// Page figures for `make bench`: what a learner feels in the browser. Measures, does not
// assert (targets live in the report): time from navigation to the first chart line,
// p95 frame time while simulating `web` at 10k requests/s at 10× with three scenarios on,
// and the JS heap and WebAssembly memory at the start and after a long run (10 minutes;
// 5 s in quick mode). Writes the figures to $SDL_PAGE_BENCH_OUT as JSON.
import { test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { LabPage } from '../pages/lab-page';

const QUICK = process.env.SDL_BENCH_MODE === 'quick';
const OUT = process.env.SDL_PAGE_BENCH_OUT ?? 'page-bench.json';
const LONG_RUN_MS = QUICK ? 5_000 : 10 * 60_000;
const FRAME_SAMPLE_MS = QUICK ? 2_000 : 15_000;
const LOADS = QUICK ? 2 : 5;
const SCENARIOS = ['fixed-latency', 'cache-stampede', 'error-burst'];

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

test('page figures', async ({ page, browser }) => {
  // Trunk's loader announces the instance; keep its memory to read the engine's size.
  await page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => {
      const wasm = (e as CustomEvent).detail?.wasm;
      (window as unknown as { __sdlWasmMemory?: WebAssembly.Memory }).__sdlWasmMemory = wasm?.memory;
    });
  });
  // 1. First chart: navigation start to the first throughput line with two points, on a
  //    warm cache (what a returning learner sees; the first load also compiles the wasm).
  const firstChart: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto('./');
    const ms = await page.waitForFunction(
      () => {
        const p = document.querySelector('[data-testid="chart-throughput"] path.series');
        const d = p?.getAttribute('d') ?? '';
        return (d.match(/L/g) ?? []).length >= 1 ? performance.now() : false;
      },
      null,
      { polling: 'raf', timeout: 15_000 },
    );
    firstChart.push(await ms.jsonValue() as number);
  }

  // 2. The load: web at 10k req/s on 50 instances, three scenarios on, 10× speed.
  const lab = new LabPage(page);
  await lab.open();
  await lab.setParam('instances', '50');
  await lab.setParam('arrival_rate_rps', '10000');
  for (const id of SCENARIOS) {
    await lab.scenarioToggle(id).check();
  }
  await lab.setSpeed('10');
  await page.waitForTimeout(2_000);

  const heap = () =>
    page.evaluate(() => {
      const m = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      return m ? m.usedJSHeapSize / 1048576 : null;
    });
  const wasmMemory = () =>
    page.evaluate(() => {
      const mem = (window as unknown as { __sdlWasmMemory?: WebAssembly.Memory }).__sdlWasmMemory;
      return mem ? mem.buffer.byteLength / 1048576 : null;
    });

  // 3. Frame times: intervals between animation frames while the lab simulates.
  const frames = await page.evaluate(
    (ms) =>
      new Promise<number[]>((resolve) => {
        const out: number[] = [];
        let last = performance.now();
        const end = last + ms;
        const tick = (now: number) => {
          out.push(now - last);
          last = now;
          if (now < end) requestAnimationFrame(tick);
          else resolve(out);
        };
        requestAnimationFrame(tick);
      }),
    FRAME_SAMPLE_MS,
  );
  const vtStart = await lab.virtualSeconds();

  // 4. Memory over a long run of the same load.
  await page.evaluate(() => (window as unknown as { gc?: () => void }).gc?.());
  const heapStart = await heap();
  const wasmStart = await wasmMemory();
  await page.waitForTimeout(LONG_RUN_MS);
  const heapEnd = await heap();
  const wasmEnd = await wasmMemory();
  const vtEnd = await lab.virtualSeconds();

  const result = {
    runner: 'browser-page',
    title: 'site (Chromium)',
    version: browser.version(),
    mode: QUICK ? 'quick' : 'full',
    reps: LOADS,
    results: [],
    page: {
      first_chart_ms: median(firstChart),
      frame_time_p95_ms: quantile(frames.slice(1), 0.95),
      frame_time_p50_ms: quantile(frames.slice(1), 0.5),
      frames: frames.length - 1,
      js_heap_start_mb: heapStart,
      js_heap_10min_mb: heapEnd,
      wasm_memory_start_mb: wasmStart,
      wasm_memory_end_mb: wasmEnd,
      long_run_s: LONG_RUN_MS / 1000,
      virtual_s_per_wall_s: (vtEnd - vtStart) / ((LONG_RUN_MS + FRAME_SAMPLE_MS) / 1000),
      browser: `Chromium ${browser.version()} (headless)`,
    },
  };
  writeFileSync(OUT, JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result.page));
});
