#!/usr/bin/env bash
# Runs the fuzz targets (`fuzz::fuzz_*` in the engine's, the host's and the content
# crate's `tests/it`) with many generated cases and prints the cases per target and the
# total (`make fuzz`).
#
#   scripts/fuzz.sh                       # SDL_FUZZ_CASES=110000: over 1,000,000 cases
#   SDL_FUZZ_CASES=5000 scripts/fuzz.sh   # a quicker run
#   SDL_FUZZ_SEED=7 scripts/fuzz.sh       # another stream of cases
#
# A target of ordinary cost runs SDL_FUZZ_CASES cases, a costlier one fewer in
# proportion (engine/tests/it/fuzzkit.rs). A panic prints the target, the case and its
# input; the exit status is non-zero if any target failed.
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export SDL_FUZZ_CASES=${SDL_FUZZ_CASES:-110000}
LOGS=${TEST_LOG_DIR:-target/test-logs}
mkdir -p "$LOGS"
LOG=$LOGS/fuzz.log

start=$SECONDS
set +e
cargo test -p sdl-engine -p sdl-host -p sdl-content --test it fuzz::fuzz_ -- --nocapture 2>&1 \
  | tee "$LOG" | grep -E '^(fuzz |test result|error|thread .* panicked)'
status=${PIPESTATUS[0]}
set -e
took=$((SECONDS - start))

echo
echo "==> fuzz: cases per target (SDL_FUZZ_CASES=$SDL_FUZZ_CASES)"
awk '/^fuzz [^ ]+: [0-9]+ cases/ { sub(/:$/, "", $2); printf "  %-20s %10d\n", $2, $3; total += $3; n++ }
     END { printf "  %-20s %10d  (%d targets)\n", "total", total, n }' "$LOG"
echo "  wall time: ${took}s"
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED (exit $status); see $LOG" >&2
fi
exit "$status"
