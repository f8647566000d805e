#!/usr/bin/env bash
# Runs the test layers and prints each runner's summary line, then a total.
#
#   scripts/test.sh all      # native, lint, wasm, build, e2e, bench smoke (`make test`)
#   scripts/test.sh native   # cargo test: engine, CLI, bench, content, engine host (native)
#   scripts/test.sh lint     # clippy (native, the engine host too; wasm32 for the app) and rustfmt
#   scripts/test.sh wasm     # wasm-bindgen-test in headless Chromium: engine, content, engine host, app
#   scripts/test.sh e2e      # Playwright against dist/ (build it first: make build)
#   scripts/test.sh bench    # the benchmark suite's smoke run (scripts/bench.sh --quick)
#
# Every layer runs even when an earlier one failed, so one run shows everything that is
# wrong; the exit status is non-zero if any layer failed. Tools are expected on PATH
# (scripts/bootstrap.sh test installs them; the Makefile puts .tools/ first on PATH).
set -uo pipefail

cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
LOGS=${TEST_LOG_DIR:-target/test-logs}
mkdir -p "$LOGS"

declare -a RESULTS=()
FAILED_LAYERS=0
TOTAL_PASSED=0
TOTAL_FAILED=0

# run NAME COMMAND...: runs a layer, tees its output to $LOGS/NAME.log, records status.
run() {
  local name=$1
  shift
  printf '\n==> %s: %s\n' "$name" "$*"
  local start=$SECONDS
  "$@" 2>&1 | tee "$LOGS/$name.log"
  local status=${PIPESTATUS[0]}
  local took=$((SECONDS - start))
  if [ "$status" -ne 0 ]; then
    FAILED_LAYERS=$((FAILED_LAYERS + 1))
    RESULTS+=("$name: FAILED (exit $status, ${took}s)")
  else
    RESULTS+=("$name: ok (${took}s)")
  fi
  return 0
}

# Adds up `test result: ok. N passed; M failed` lines (cargo test, wasm-bindgen-test).
count_cargo() {
  awk '/^test result:/ {
         for (i = 1; i < NF; i++) {
           if ($(i + 1) ~ /^passed/) p += $i
           if ($(i + 1) ~ /^failed/) f += $i
         }
       }
       END { print p + 0, f + 0 }' "$1"
}

# Reads Playwright's list-reporter summary (`  7 passed (9.1s)`, `  1 failed`).
count_playwright() {
  local log=$1 p f
  p=$(grep -E '^\s+[0-9]+ passed' "$log" | tail -n1 | grep -oE '[0-9]+' | head -n1)
  f=$(grep -E '^\s+[0-9]+ failed' "$log" | tail -n1 | grep -oE '[0-9]+' | head -n1)
  echo "${p:-0} ${f:-0}"
}

add_counts() {
  local name=$1 p f
  read -r p f <<<"$2"
  TOTAL_PASSED=$((TOTAL_PASSED + p))
  TOTAL_FAILED=$((TOTAL_FAILED + f))
  RESULTS+=("  $name tests: $p passed, $f failed")
}

layer_native() {
  run native cargo test --no-fail-fast
  add_counts native "$(count_cargo "$LOGS/native.log")"
}

# The app is linted for wasm32 only: that is where it runs and where its tests compile,
# and checking Leptos natively as well would add minutes to a cold run. The engine's host
# (`sdl-host`, no browser API) is linted natively with the other crates.
lint_all() {
  cargo clippy --workspace --exclude sdl-app --all-targets -- -D warnings \
    && cargo clippy -p sdl-app --target wasm32-unknown-unknown --all-targets -- -D warnings \
    && cargo fmt --all --check
}

layer_lint() {
  run lint lint_all
}

wasm_tests() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --no-fail-fast --target wasm32-unknown-unknown -p sdl-engine -p sdl-content -p sdl-host -p sdl-app --test it
}

layer_wasm() {
  run wasm wasm_tests
  add_counts wasm "$(count_cargo "$LOGS/wasm.log")"
}

build_dist() {
  cargo fetch && trunk build --release
}

layer_build() {
  run build build_dist
  if [ -f dist/index.html ]; then
    # Every .wasm, .js and .css the site ships, summed (as `make bench` reports it).
    RESULTS+=("$(scripts/bench.sh --bundle | sed 's/^/  /')")
  fi
}

e2e_tests() {
  if [ ! -f dist/index.html ]; then
    echo "dist/ is not built: run make build first" >&2
    return 1
  fi
  (cd playwright && npx playwright test --reporter=list)
}

layer_e2e() {
  run e2e e2e_tests
  add_counts e2e "$(count_playwright "$LOGS/e2e.log")"
}

# The benchmark suite's smoke run (tiny sizes; fails if any part fails), so `make bench`
# cannot rot. Its figures are not judged here: a shared CI machine is too noisy.
layer_bench() {
  run bench-smoke scripts/bench.sh --quick
}

case "${1:-all}" in
  native) layer_native ;;
  lint) layer_lint ;;
  wasm) layer_wasm ;;
  build) layer_build ;;
  e2e) layer_e2e ;;
  bench) layer_bench ;;
  all)
    layer_native
    layer_lint
    layer_wasm
    layer_build
    layer_e2e
    layer_bench
    ;;
  *)
    echo "usage: scripts/test.sh [all|native|lint|wasm|build|e2e|bench]" >&2
    exit 2
    ;;
esac

printf '\n==> summary\n'
printf '%s\n' "${RESULTS[@]}"
if [ "$FAILED_LAYERS" -ne 0 ] && [ "$TOTAL_FAILED" -eq 0 ]; then
  # A layer failed without a failing test (a build or lint error): count it as one.
  TOTAL_FAILED=$FAILED_LAYERS
fi
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$FAILED_LAYERS" -eq 0 ]
