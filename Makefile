# The commands a contributor needs (listed in CONTRIBUTING.md). Every target installs
# what it needs first through scripts/bootstrap.sh, which is idempotent.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# wasm-opt from npm `binaryen` (in .tools/) must win over any system wasm-opt.
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: help setup-build setup-test build serve dev test test-native test-wasm test-e2e \
        fuzz lint fmt fmt-check bench clean bundle scorm

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup-build: ## install what the build needs (wasm target, trunk, wasm-bindgen, wasm-opt)
	scripts/bootstrap.sh build

setup-test: ## install what the tests need too (Chromium, ChromeDriver, Playwright)
	scripts/bootstrap.sh test

build: setup-build ## build the site into dist/ (release, size-optimised)
	cargo fetch
	trunk build --release

serve: build ## build, then serve dist/ at http://127.0.0.1:8080
	@echo "Serving dist/ at http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	python3 -m http.server $(PORT) --bind $(HOST) --directory dist

dev: setup-build ## rebuild and reload on every change (trunk serve)
	cargo fetch
	trunk serve --address $(HOST) --port $(PORT)

test: setup-test ## run every test layer and print each runner's summary
	scripts/test.sh all

test-native: ## engine, CLI and bench tests (cargo test)
	scripts/test.sh native

test-wasm: setup-test ## engine and app tests in headless Chromium (wasm-bindgen-test)
	scripts/test.sh wasm

test-e2e: setup-test build ## Playwright against the built dist/
	scripts/test.sh e2e

fuzz: ## the readers of outside input under 1,000,000+ generated cases (SDL_FUZZ_CASES=N per target)
	scripts/fuzz.sh

lint: ## clippy (native; wasm32 for the app) and rustfmt, warnings are errors
	scripts/test.sh lint

fmt: ## format the Rust code
	cargo fmt --all

fmt-check: ## check formatting only
	cargo fmt --all --check

bench: ## engine benchmarks (events per second), natively
	scripts/bench.sh

bundle: build ## the site as sdl-lab-site.zip and as one file sdl-lab.html (runs from disk)
	python3 scripts/bundle.py

scorm: build ## SCORM 1.2, SCORM 2004 and cmi5 packages per tutorial series into scorm/
	python3 scripts/scorm.py

clean: ## remove build output and test artefacts (keeps installed tools)
	cargo clean
	rm -rf dist playwright/test-results playwright/playwright-report sdl-lab-site.zip sdl-lab.html scorm
