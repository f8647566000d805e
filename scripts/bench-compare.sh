#!/usr/bin/env bash
# Events per second natively, this tree against another revision, measured in one run:
# both `sdl-bench` binaries are built (the other one in a scratch worktree), then run in
# alternation ROUNDS times on the same models, and the medians and their ratio printed.
# Alternating spreads what else the machine does over both; the ratio is what to read.
#
#   scripts/bench-compare.sh REV [ROUNDS] [MODELS]
#   scripts/bench-compare.sh bb2bb47 7 mm1,web,web_all
#
# Also checks that both simulated the same number of events per model (a restructuring
# must not change what is simulated). Respects CARGO_TARGET_DIR for this tree's build.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
REV=${1:?usage: scripts/bench-compare.sh REV [ROUNDS] [MODELS]}
ROUNDS=${2:-7}
MODELS=${3:-mm1,web,web_all}

BASE_DIR=$(mktemp -d)
OUT=$(mktemp -d)
cleanup() {
  git -C "$ROOT" worktree remove --force "$BASE_DIR" >/dev/null 2>&1 || rm -rf "$BASE_DIR"
  rm -rf "$OUT"
}
trap cleanup EXIT

git -C "$ROOT" worktree add --quiet --detach "$BASE_DIR" "$REV"
echo "[compare] building sdl-bench at $REV and at the working tree (release)" >&2
(cd "$BASE_DIR" && CARGO_TARGET_DIR="$BASE_DIR/target" cargo build --quiet --release -p sdl-bench)
cargo build --quiet --release -p sdl-bench
NEW_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/sdl-bench"
BASE_BIN="$BASE_DIR/target/release/sdl-bench"

for i in $(seq 1 "$ROUNDS"); do
  (cd "$BASE_DIR" && "$BASE_BIN" --models "$MODELS" --no-memory --reps 1 --json "$OUT/base-$i.json" >/dev/null)
  "$NEW_BIN" --models "$MODELS" --no-memory --reps 1 --json "$OUT/new-$i.json" >/dev/null
done

python3 - "$OUT" "$ROUNDS" "$REV" <<'EOF'
import json, statistics, sys
out, rounds, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def load(kind):
    runs = [json.load(open(f"{out}/{kind}-{i}.json"))["results"] for i in range(1, rounds + 1)]
    models = {}
    for run in runs:
        for r in run:
            m = models.setdefault(r["model"], {"eps": [], "events": set()})
            m["eps"].append(r["events_per_s"])
            m["events"].add(r["events"])
    return models
base, new = load("base"), load("new")
print(f"events/s, median of {rounds} alternating rounds: {rev} vs working tree")
print(f"{'model':<10} {'base':>12} {'new':>12} {'new/base':>9}  same events")
worst = None
for model in base:
    b = statistics.median(base[model]["eps"])
    n = statistics.median(new[model]["eps"])
    same = base[model]["events"] == new[model]["events"]
    ratio = n / b
    worst = ratio if worst is None else min(worst, ratio)
    print(f"{model:<10} {b/1e6:>10.2f} M {n/1e6:>10.2f} M {ratio:>8.3f}x  {'yes' if same else 'NO'}")
print(f"slowest ratio: {worst:.3f}x (target: within 3% of before, >= 0.970x)")
EOF
