#!/usr/bin/env bash
# The benchmark suite in one command: the engine natively, its peers (SimPy and Ciw, from
# PyPI into bench/.venv), the browser figures when a browser bench exists, and one table.
#
#   scripts/bench.sh           full run (minutes): writes bench/results/latest.json and
#                              regenerates docs/benchmarks.md
#   scripts/bench.sh --quick   smoke run for CI (a minute with builds): same steps, tiny sizes;
#                              writes bench/results/raw/ only, so committed numbers stay
#   scripts/bench.sh --bundle  only the bundle: gzip -9 of dist/'s .wasm, .js and .css
#                              against the 600 KB target (build dist/ first: make build)
#
# A full run with dist/ built also runs Lighthouse, mobile and desktop
# (scripts/lighthouse.sh, which installs its pinned version into .tools/ when missing).
#
# Idempotent: the virtual environment is created and filled once (again only when
# bench/peers/requirements.txt changes). Respects CARGO_TARGET_DIR.
# The engine as WebAssembly runs in headless Chromium (bench/wasm/run.sh). Page figures
# hook: runs `$SDL_BROWSER_BENCH OUT.json`, or `playwright/bench.sh OUT.json` when that is
# executable (see docs/benchmarks.md, "How the browser figures plug in").
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=""
BUNDLE_ONLY=""
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK="--quick" ;;
    --bundle) BUNDLE_ONLY=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument '$arg' (known: --quick, --bundle)" >&2; exit 2 ;;
  esac
done

say() { printf '[bench] %s\n' "$*" >&2; }

# Issue 7's target for what a browser downloads: wasm + js + css, gzipped, ≤ 600 KB
# (KiB, as the report counts it).
BUNDLE_TARGET_BYTES=$((600 * 1024))

# bundle_files: dist/'s .wasm, .js and .css (not the staging folder), sorted.
bundle_files() {
  find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) \
    -not -path 'dist/.stage/*' | LC_ALL=C sort
}

# bundle_line: one line with the gzipped total, its parts and the target, on stdout.
bundle_line() {
  local f gz wasm=0 js=0 css=0 total verdict
  while read -r f; do
    gz=$(gzip -9 -c "$f" | wc -c)
    case "$f" in
      *.wasm) wasm=$((wasm + gz)) ;;
      *.js) js=$((js + gz)) ;;
      *.css) css=$((css + gz)) ;;
    esac
  done < <(bundle_files)
  total=$((wasm + js + css))
  if [ "$total" -le "$BUNDLE_TARGET_BYTES" ]; then verdict="met"; else verdict="MISSED"; fi
  printf 'bundle (gzip -9): %s B = %s KB (wasm %s B, js %s B, css %s B); target <= 600 KB (%s B): %s\n' \
    "$total" "$(awk -v b="$total" 'BEGIN { printf "%.1f", b / 1024 }')" "$wasm" "$js" "$css" \
    "$BUNDLE_TARGET_BYTES" "$verdict"
  # Not part of the page's load: fetched the first time the catalogue, or a tutorial,
  # opens.
  if [ -f dist/docs.json ]; then
    printf 'on demand (gzip -9): docs.json %s B, the catalogue'"'"'s prose, fetched when it first opens\n' \
      "$(gzip -9 -c dist/docs.json | wc -c)"
  fi
  for f in dist/tutorials-*.json; do
    [ -f "$f" ] || continue
    printf 'on demand (gzip -9): %s %s B, the tutorials'"'"' prose, fetched when a tutorial first opens\n' \
      "${f#dist/}" "$(gzip -9 -c "$f" | wc -c)"
  done
}

if [ -n "$BUNDLE_ONLY" ]; then
  if [ ! -f dist/index.html ]; then
    echo "bench.sh --bundle: dist/ is not built (make build)" >&2
    exit 1
  fi
  bundle_line
  exit 0
fi
# A smoke run (--quick, what CI runs) fails when any part fails, so the suite cannot
# rot; a full run leaves a failed row out and goes on.
FAILED_PARTS=()
failed() {
  say "$1"
  FAILED_PARTS+=("$2")
}

VENV="$ROOT/bench/.venv"
REQUIREMENTS="$ROOT/bench/peers/requirements.txt"
RAW="$ROOT/bench/results/raw"
mkdir -p "$RAW"
rm -f "$RAW"/*.json

# 1. Python peers' environment.
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian ships venv separately; as root we can add it, otherwise say what to do.
    rm -rf "$VENV"
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      say "installing python3-venv"
      apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$VENV"
    else
      echo "bench.sh: python3 -m venv failed; install python3-venv (Debian) and rerun" >&2
      exit 1
    fi
  fi
fi
if ! cmp -s "$REQUIREMENTS" "$VENV/.requirements.txt"; then
  say "installing $(tr '\n' ' ' < "$REQUIREMENTS")into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$VENV/.requirements.txt"
fi
PY="$VENV/bin/python"

# 2. The engine, natively (release build).
say "building (release)"
cargo build --quiet --release -p sdl-bench
BENCH="${CARGO_TARGET_DIR:-$ROOT/target}/release/sdl-bench"
say "engine: native"
"$BENCH" $QUICK --json "$RAW/engine.json" > "$RAW/engine.txt"
RUNNERS=(--runner "$RAW/engine.json")

# 3. The peers.
for peer in simpy ciw; do
  say "peer: $peer"
  "$PY" "bench/peers/${peer}_peer.py" $QUICK --json "$RAW/$peer.json"
  RUNNERS+=(--runner "$RAW/$peer.json")
done

# 4. The engine as WebAssembly in headless Chromium (bench/wasm/run.sh), then the page
#    figures when a browser bench of the site exists (it needs the built site).
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
  say "engine: WebAssembly in headless Chromium"
  if bench/wasm/run.sh "$RAW/wasm.json" $QUICK; then
    RUNNERS+=(--runner "$RAW/wasm.json")
  else
    failed "the WebAssembly run failed: its row is left out" wasm
  fi
else
  say "no chromium: the WebAssembly row is left out"
fi
BROWSER_BENCH="${SDL_BROWSER_BENCH:-}"
if [ -z "$BROWSER_BENCH" ] && [ -x playwright/bench.sh ]; then
  BROWSER_BENCH="playwright/bench.sh"
fi
if [ -n "$BROWSER_BENCH" ]; then
  say "browser: $BROWSER_BENCH"
  if SDL_BENCH_MODE="${QUICK:+quick}" $BROWSER_BENCH "$RAW/browser.json" && [ -s "$RAW/browser.json" ]; then
    RUNNERS+=(--runner "$RAW/browser.json")
  else
    failed "browser bench failed or wrote nothing: its figures are left out" browser
  fi
else
  say "browser: no page bench (playwright/bench.sh) yet: first chart, frame time, heap not measured"
fi

# 5. Bundle size of the built site, gzipped as a server would send it.
BUNDLE=()
if [ -d dist ]; then
  mapfile -t files < <(bundle_files)
  if [ "${#files[@]}" -gt 0 ]; then
    say "bundle: ${#files[@]} files in dist/"
    {
      printf '{"files": ['
      sep=""
      for f in "${files[@]}"; do
        printf '%s{"path": "%s", "bytes": %s, "gzip_bytes": %s}' \
          "$sep" "$f" "$(wc -c < "$f")" "$(gzip -9 -c "$f" | wc -c)"
        sep=", "
      done
      printf ']}\n'
    } > "$RAW/bundle.json"
    BUNDLE=(--bundle "$RAW/bundle.json")
    say "$(bundle_line)"
  fi
fi

# 6. The page on a phone and a desktop: Lighthouse (pinned npm 12.2.3) in its mobile and
#    desktop profiles against dist/ served gzipped, in a full run (a minute; the smoke run
#    CI makes leaves it out).
if [ -z "$QUICK" ] && [ -f dist/index.html ]; then
  if scripts/lighthouse.sh "$RAW/lighthouse.json" > "$RAW/lighthouse.txt"; then
    cat "$RAW/lighthouse.txt" >&2
  else
    failed "Lighthouse failed: its figures are left out" lighthouse
  fi
elif [ -n "$QUICK" ]; then
  say "lighthouse: left out of the smoke run (scripts/lighthouse.sh runs it alone)"
fi

# 7. One table; in a full run, the record and the docs.
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  COMMIT="$COMMIT+changes"
fi
DATE="$(date -u +%Y-%m-%dT%H:%MZ)"
if [ -n "$QUICK" ]; then
  OUT=(--quick --json "$RAW/quick.json")
else
  OUT=(--json bench/results/latest.json --markdown docs/benchmarks.md)
fi
"$BENCH" report "${RUNNERS[@]}" "${BUNDLE[@]}" --date "$DATE" --commit "$COMMIT" "${OUT[@]}"
if [ -n "$QUICK" ] && [ "${#FAILED_PARTS[@]}" -gt 0 ]; then
  echo "bench.sh --quick: failed parts: ${FAILED_PARTS[*]}" >&2
  exit 1
fi
