#!/usr/bin/env bash
# Installs everything the build and the tests need, idempotently: a second run checks
# versions and skips what is already there. Called by `make serve`, `make build` and
# `make test`; safe to run by hand.
#
#   scripts/bootstrap.sh build   # what `trunk build` needs: wasm target, trunk,
#                                # wasm-bindgen-cli (pinned to Cargo.lock), wasm-opt
#   scripts/bootstrap.sh test    # build + Chromium, ChromeDriver, Playwright packages
#
# Versions are pinned on purpose (see CONTRIBUTING.md): trunk 0.22 needs a newer rustc,
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock, and Debian's binaryen
# (wasm-opt 108) corrupts wasm-bindgen's externref table, so wasm-opt comes from npm.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-test}

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
OTEL_PROTO_VERSION=1.45.2
TOOLS="$ROOT/.tools"

export PATH="$TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '[bootstrap] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The wasm-bindgen version the app links against: Cargo.lock wins, else the exact pin
# in app/Cargo.toml (a fresh checkout before the first cargo command has no lock).
wasm_bindgen_version() {
  local v=""
  if [ -f Cargo.lock ]; then
    v=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  fi
  if [ -z "$v" ]; then
    v=$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' app/Cargo.toml | head -n1)
  fi
  echo "$v"
}

ensure_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "wasm32-unknown-unknown target: present"
  else
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_trunk() {
  if command -v trunk >/dev/null && trunk --version | grep -q " $TRUNK_VERSION\$"; then
    say "trunk $TRUNK_VERSION: present"
  else
    say "installing trunk $TRUNK_VERSION (several minutes on 2 cores)"
    cargo install --locked trunk --version "$TRUNK_VERSION"
  fi
}

ensure_wasm_bindgen() {
  local v
  v=$(wasm_bindgen_version)
  if [ -z "$v" ]; then
    echo "bootstrap: cannot tell the wasm-bindgen version (no Cargo.lock, no pin in app/Cargo.toml)" >&2
    exit 1
  fi
  if command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q " $v\$" \
    && command -v wasm-bindgen-test-runner >/dev/null; then
    say "wasm-bindgen-cli $v: present"
  else
    # Without --locked: the crate's shipped lockfile pins a version the registry lacks.
    say "installing wasm-bindgen-cli $v"
    cargo install wasm-bindgen-cli --version "$v"
  fi
}

ensure_wasm_opt() {
  local bin="$TOOLS/node_modules/.bin/wasm-opt"
  if [ -x "$bin" ] && "$bin" --version | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    say "wasm-opt ${BINARYEN_VERSION%%.*} (npm binaryen): present"
  else
    say "installing npm binaryen@$BINARYEN_VERSION into .tools/"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION"
  fi
}

# Installs Debian packages whose command is missing: apt_ensure CMD:PACKAGE...
apt_ensure() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || [ -x "${pair%%:*}" ] || missing+=("${pair#*:}")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  say "installing from Debian: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# Installs Debian packages by name, when missing: apt_ensure_package PACKAGE...
apt_ensure_package() {
  local missing=() p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing from Debian: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

ensure_base() {
  # python3 serves dist/ (make serve, Playwright); node/npm install wasm-opt and Playwright.
  apt_ensure python3:python3 node:nodejs npm:npm
  if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
    say "adding rustup components clippy and rustfmt"
    rustup component add clippy rustfmt
  fi
}

ensure_chromium() {
  apt_ensure /usr/bin/chromium:chromium /usr/bin/chromedriver:chromium-driver
  say "chromium and chromedriver: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
}

ensure_prometheus() {
  # The real Prometheus and promtool (Debian's 2.42) that cli/tests/it/prometheus.rs
  # checks the lab's exports and queries against.
  apt_ensure /usr/bin/promtool:prometheus
  say "prometheus: $(/usr/bin/prometheus --version 2>/dev/null | head -n1)"
}

ensure_otel_proto() {
  # PyPI's opentelemetry-proto, which cli/tests/it/prometheus.rs reads the OTLP traces
  # export with (scripts/check-otlp.py), in a venv of its own.
  local venv="$TOOLS/venv"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import opentelemetry.proto' 2>/dev/null; then
    say "opentelemetry-proto: present"
    return
  fi
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_ensure_package python3-venv
  say "installing opentelemetry-proto $OTEL_PROTO_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "opentelemetry-proto==$OTEL_PROTO_VERSION"
}

ensure_playwright() {
  # Playwright drives Debian's /usr/bin/chromium; it never downloads a browser.
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  local stamp=playwright/node_modules/.bootstrap-stamp
  if [ -f "$stamp" ] && [ "$stamp" -nt playwright/package-lock.json ] \
    && [ -d playwright/node_modules/@playwright/test ]; then
    say "playwright packages: present"
  else
    say "installing playwright packages (npm ci)"
    (cd playwright && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}

ensure_base
ensure_wasm_target
ensure_trunk
ensure_wasm_bindgen
ensure_wasm_opt
if [ "$MODE" = test ]; then
  ensure_chromium
  ensure_prometheus
  ensure_otel_proto
  ensure_playwright
  # xmllint checks the cmi5 packages' cmi5.xml against the course structure schema.
  apt_ensure xmllint:libxml2-utils
fi
say "done ($MODE)"
