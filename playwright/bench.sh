#!/usr/bin/env bash
# Page bench for `make bench` (scripts/bench.sh calls it): runs playwright/bench/ against
# the built site in Debian's Chromium and writes the page figures to OUT.json in the
# runners' format (bench/src/results.rs). SDL_BENCH_MODE=quick shortens the long run.
#
#   playwright/bench.sh OUT.json
set -euo pipefail
cd "$(dirname "$0")"
OUT=$(realpath -m "${1:?usage: playwright/bench.sh OUT.json}")
if [ ! -f ../dist/index.html ]; then
  (cd .. && cargo fetch && trunk build --release)
fi
SDL_PAGE_BENCH_OUT="$OUT" npx playwright test --config bench.config.ts --reporter=list
