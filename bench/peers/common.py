"""What the peers share: the models from bench/models.json (the same file the engine's
bench reads), run sizes and warm-up, batch-means confidence intervals, and the results
format of bench/src/results.rs."""

import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_PATH = os.path.join(HERE, "..", "models.json")
BATCHES = 20


def load_models():
    with open(MODELS_PATH, encoding="utf-8") as f:
        return json.load(f)


def parse_args(runner):
    ap = argparse.ArgumentParser(description=f"{runner} peer of the engine benchmark")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for CI")
    ap.add_argument("--json", help="write the results here (default: stdout)")
    ap.add_argument("--models", help="comma-separated model ids (default: all it has a size for)")
    ap.add_argument("--reps", type=int, default=1, help="timed repetitions per model (fastest kept)")
    return ap.parse_args()


def selected(doc, runner, args):
    """Models this runner has a size for (the quick run takes the same ones), in file
    order."""
    only = set(args.models.split(",")) if args.models else None
    out = []
    for m in doc["models"]:
        if only is not None and m["id"] not in only:
            continue
        if runner in m["requests"]:
            out.append(m)
    return out


def sizes(doc, model, runner, quick):
    """(requests measured, measured virtual seconds, warm-up seconds), as the engine."""
    requests = model["requests"]["quick_peers" if quick else runner]
    measured = requests / float(model["params"]["arrival_rate_rps"])
    return requests, measured, measured * doc["warmup_fraction"]


def lognormal_mu_sigma(mean, cv):
    """Parameters of the underlying normal for a log-normal of this mean and CV."""
    sigma2 = math.log(1.0 + cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def check_queue(model):
    """The peers model the queue with Poisson arrivals and an unbounded queue."""
    p = model["params"]
    if p.get("arrival_process", "poisson") != "poisson" or p.get("queue_capacity", 0) != 0:
        raise SystemExit(f"{model['id']}: peers model Poisson arrivals and an unbounded queue only")


def fixed_latency(model):
    """(delay_s, probability) of a `fixed-latency` scenario on the service, or None."""
    sc = model.get("scenarios", {}).get("fixed-latency")
    if sc is None:
        return None
    if sc.get("target", "service") != "service":
        raise SystemExit(f"{model['id']}: peers model fixed-latency on the service only")
    return sc.get("delay_ms", 100) / 1000.0, sc.get("probability", 1.0)


def t975(nu):
    z = 1.959963984540054
    return (z + (z**3 + z) / (4 * nu) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * nu**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * nu**3))


def batch_means(values, batches=BATCHES):
    """Means of `batches` consecutive equal slices of `values` (in completion order)."""
    n = len(values) // batches
    if n == 0:
        return []
    return [sum(values[i * n:(i + 1) * n]) / n for i in range(batches)]


def ci95(batch_list):
    k = len(batch_list)
    if k < 2:
        return None
    mean = sum(batch_list) / k
    var = sum((b - mean) ** 2 for b in batch_list) / (k - 1)
    return t975(k - 1) * math.sqrt(var / k)


class Pooled:
    """Statistics pooled over repetitions, and the fastest repetition's speed."""

    def __init__(self, model_id):
        self.model = model_id
        self.best = None  # (wall_s, cpu_s, requests, events)
        self.measured = 0
        self.wait_sum = 0.0
        self.latency_sum = 0.0
        self.rejected = 0
        self.batches = []

    def add(self, wall_s, cpu_s, requests, events, waits, latencies, rejected):
        if self.best is None or wall_s < self.best[0]:
            self.best = (wall_s, cpu_s, requests, events)
        self.measured += len(waits)
        self.wait_sum += sum(waits)
        self.latency_sum += sum(latencies)
        self.rejected += rejected
        self.batches += batch_means(waits)

    def row(self, note=None):
        wall, cpu, requests, events = self.best
        n = max(self.measured, 1)
        return {
            "model": self.model,
            "requests": requests,
            "measured_requests": self.measured,
            "events": events,
            "wall_s": wall,
            "cpu_s": cpu,
            "requests_per_s": requests / wall,
            "events_per_s": None if events is None else events / wall,
            "wait_mean_s": self.wait_sum / n,
            "wait_ci95_s": ci95(self.batches),
            "latency_mean_s": self.latency_sum / n,
            "rejected": self.rejected,
            "note": note,
        }


def emit(runner, title, version, args, rows):
    doc = {
        "runner": runner,
        "title": title,
        "version": version,
        "mode": "quick" if args.quick else "full",
        "reps": args.reps,
        "results": rows,
        "memory": [],
    }
    text = json.dumps(doc, indent=2)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


def progress(msg):
    print(msg, file=sys.stderr, flush=True)
