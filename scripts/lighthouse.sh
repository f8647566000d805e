#!/usr/bin/env bash
# Lighthouse 12 (npm, pinned: 13 wants Node 22) against dist/ served with gzip as a static
# host would (scripts/serve-gzip.py), in its default mobile profile (simulated Slow 4G,
# 4× CPU slowdown) and its desktop preset, driving the Chromium the bootstrap installs.
# Prints one line per profile (the four category scores, FCP, LCP, TBT, TTI, bytes) and
# writes the figures to OUT.json (default bench/results/raw/lighthouse.json).
#
#   scripts/lighthouse.sh [OUT.json]      (build dist/ first: make build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${1:-bench/results/raw/lighthouse.json}
export PATH="$ROOT/.tools/node_modules/.bin:$PATH"
LIGHTHOUSE_VERSION=12.2.3

say() { printf '[lighthouse] %s\n' "$*" >&2; }

[ -f dist/index.html ] || { echo "lighthouse.sh: dist/ is not built (make build)" >&2; exit 1; }
if ! lighthouse --version 2>/dev/null | grep -qx "$LIGHTHOUSE_VERSION"; then
  say "installing npm lighthouse@$LIGHTHOUSE_VERSION into .tools/"
  npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error -E "lighthouse@$LIGHTHOUSE_VERSION"
fi
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "lighthouse.sh: no chromium (scripts/bootstrap.sh test installs it)" >&2; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 scripts/serve-gzip.py dist "$PORT" &
SERVER=$!
TMP=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
  sleep 0.1
done

for profile in mobile desktop; do
  preset=()
  [ "$profile" = desktop ] && preset=(--preset=desktop)
  say "$profile"
  lighthouse "http://127.0.0.1:$PORT/" "${preset[@]}" --quiet \
    --chrome-path="$CHROME" --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
    --only-categories=performance,accessibility,best-practices,seo \
    --output=json --output-path="$TMP/$profile.json"
done

python3 - "$TMP" "$OUT" <<'PY'
import json, sys
tmp, out = sys.argv[1], sys.argv[2]
figures = {}
for profile in ("mobile", "desktop"):
    r = json.load(open(f"{tmp}/{profile}.json"))
    a = r["audits"]
    f = {k: v["score"] for k, v in r["categories"].items()}
    for key, name in [("first-contentful-paint", "fcp_ms"), ("largest-contentful-paint", "lcp_ms"),
                      ("total-blocking-time", "tbt_ms"), ("interactive", "tti_ms"),
                      ("total-byte-weight", "bytes")]:
        f[name] = round(a[key]["numericValue"])
    figures[profile] = f
    print(f"lighthouse {profile:<7}: performance {f['performance']:.2f} (target {0.90 if profile == 'mobile' else 0.98:.2f}), "
          f"accessibility {f['accessibility']:.2f}, best practices {f['best-practices']:.2f}, seo {f['seo']:.2f}; "
          f"FCP {f['fcp_ms'] / 1000:.1f} s, LCP {f['lcp_ms'] / 1000:.1f} s, TBT {f['tbt_ms']} ms, "
          f"TTI {f['tti_ms'] / 1000:.1f} s, {f['bytes'] / 1024:.0f} KiB transferred")
json.dump({"runner": "lighthouse", "version": r["lighthouseVersion"], "profiles": figures}, open(out, "w"), indent=1)
PY
