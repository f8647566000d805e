// The engine's browser bench, run inside the page (bench/wasm/run.sh inlines the module
// as base64 before this script): every model of bench/models.json, best of three, timed
// with performance.now(); the result goes into <pre id="result"> in the runners' JSON
// format (bench/src/results.rs), which headless Chromium's --dump-dom hands back.
(function () {
  const out = document.getElementById("result");
  try {
    const b64 = document.getElementById("module").textContent.trim();
    const raw = atob(b64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
    const quick = document.body.dataset.quick === "1" ? 1 : 0;
    const reps = 3;
    const results = [];
    for (let m = 0; m < e.sdl_bench_model_count(); m++) {
      const len = e.sdl_bench_model_id(m);
      const id = new TextDecoder().decode(new Uint8Array(e.memory.buffer, e.sdl_bench_text(), len));
      let best = null, measured = 0, waitSum = 0, latencySum = 0, rejected = 0;
      for (let rep = 1; rep <= reps; rep++) {
        if (e.sdl_bench_prepare(m, quick, BigInt(rep))) throw new Error("prepare " + id);
        const t0 = performance.now();
        if (e.sdl_bench_simulate()) throw new Error("simulate " + id);
        const wall = (performance.now() - t0) / 1000;
        if (e.sdl_bench_finish()) throw new Error("finish " + id);
        const v = [0, 1, 2, 3, 4, 5].map((i) => e.sdl_bench_value(i));
        if (best === null || wall < best.wall) best = { wall, events: v[0], requests: v[1] };
        measured += v[2]; waitSum += v[3]; latencySum += v[4]; rejected += v[5];
      }
      const n = Math.max(measured, 1);
      results.push({
        model: id,
        requests: best.requests,
        measured_requests: measured,
        events: best.events,
        wall_s: best.wall,
        requests_per_s: best.requests / best.wall,
        events_per_s: best.events / best.wall,
        wait_mean_s: waitSum / n,
        wait_ci95_s: null,
        latency_mean_s: latencySum / n,
        rejected: rejected,
        note: null,
      });
    }
    out.textContent = JSON.stringify({
      runner: "engine-wasm",
      title: "engine (wasm, Chromium)",
      version: navigator.userAgent.match(/(HeadlessChrome|Chrome)\/[\d.]+/)?.[0] ?? navigator.userAgent,
      mode: quick ? "quick" : "full",
      reps: reps,
      results: results,
      memory: [],
    });
  } catch (err) {
    out.textContent = "ERROR " + err;
  }
})();
