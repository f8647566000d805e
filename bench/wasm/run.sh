#!/usr/bin/env bash
# The engine as WebAssembly in headless Chromium: builds the bench crate for wasm32 with
# the profile the site ships (wasm-release), inlines it into a page with page.js, loads
# the page in Debian's /usr/bin/chromium (--dump-dom) and writes the runners' JSON to OUT.
#
#   bench/wasm/run.sh OUT.json [--quick]
#
# Builds into its own target directory (${CARGO_TARGET_DIR:-target}/bench-wasm): the
# exports need linker flags the site's build must not share.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${1:?usage: bench/wasm/run.sh OUT.json [--quick]}
QUICK=0
[ "${2:-}" = "--quick" ] && QUICK=1

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  echo "bench/wasm/run.sh: no chromium on PATH (Debian: apt-get install chromium)" >&2
  exit 1
fi

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/bench-wasm"
EXPORTS=""
for f in prepare simulate finish value model_count model_id text; do
  EXPORTS="$EXPORTS -C link-arg=--export=sdl_bench_$f"
done
CARGO_TARGET_DIR="$TARGET_DIR" RUSTFLAGS="$EXPORTS" \
  cargo build --quiet --profile wasm-release --target wasm32-unknown-unknown -p sdl-bench
WASM="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/sdl-bench.wasm"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
{
  printf '<!doctype html><html><head><meta charset="utf-8"><title>sdl bench</title></head>\n'
  printf '<body data-quick="%s"><pre id="result">not run</pre>\n' "$QUICK"
  printf '<script id="module" type="application/octet-stream">'
  base64 -w0 "$WASM"
  printf '</script>\n<script>\n'
  cat bench/wasm/page.js
  printf '</script></body></html>\n'
} > "$WORK/bench.html"

# A sandbox needs user namespaces, which containers and CI often lack; the page is ours.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --user-data-dir="$WORK/profile" --dump-dom "file://$WORK/bench.html" \
  2> "$WORK/chromium.log" > "$WORK/dom.html" || true
RESULT=$(sed -n 's:.*<pre id="result">\(.*\)</pre>.*:\1:p' "$WORK/dom.html" | head -1)
case "$RESULT" in
  \{*) printf '%s\n' "$RESULT" | sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g' > "$OUT" ;;
  *)
    echo "bench/wasm/run.sh: the page did not report (${RESULT:-no output}); chromium said:" >&2
    tail -5 "$WORK/chromium.log" >&2
    exit 1
    ;;
esac
