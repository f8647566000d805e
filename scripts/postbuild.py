#!/usr/bin/env python3
"""Trunk post-build hook (Trunk.toml [[hooks]]): the catalogue's prose, the tutorials'
prose and the service worker's precache list.

Runs in Trunk's staging directory ($TRUNK_STAGING_DIR) before it becomes dist/:
- `docs.json`: {path: text} for every `engine::doc_of!("path")` in engine/src, the text
  being the file's leading `//!` lines as written (what engine/build.rs extracts); the
  wasm leaves this prose out and the catalogue loads it when it first opens;
- `tutorials-<hash>.json`: the tutorials' prose, which the content crate's build.rs
  leaves out of the wasm and writes to its OUT_DIR (see content/build.rs); copied here
  by the name the wasm asks for, so the page never gets another build's prose;
- `sw-manifest.json`: {"version": <hash of every file's name and bytes>, "files": [...]}
  listing every file of the site (index.html, the wasm, js, css, icons, the manifest),
  relative to the site root, so the worker caches the whole app shell;
- `sw.js`: its `__SDL_BUILD__` placeholder becomes that version, so each build's worker
  differs byte for byte, the browser installs it as an update, and its cache name is new.

Usage: scripts/postbuild.py [DIR]   (DIR defaults to $TRUNK_STAGING_DIR, else dist)
"""

import glob
import hashlib
import json
import os
import re
import shutil
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ENGINE_SRC = os.path.join(ROOT, "engine", "src")
PROSE_NAME = re.compile(rb"tutorials-[0-9a-f]{16}\.json")
DOC_OF = re.compile(r'doc_of!\(\s*"([^"]+)"\s*\)')

# Not precached: the worker itself (the browser fetches it) and its own list.
SKIP = {"sw.js", "sw-manifest.json"}
PLACEHOLDER = "__SDL_BUILD__"


def module_docs(src: str) -> dict:
    """{path: leading `//!` lines} for every path a `doc_of!` names, as build.rs does."""
    paths = set()
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".rs"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    paths.update(DOC_OF.findall(f.read()))
    docs = {}
    for rel in sorted(paths):
        with open(os.path.join(src, rel), encoding="utf-8") as f:
            text = f.read()
        lines = []
        # Rust's str::lines: split at \n, drop a trailing \r.
        for line in text.split("\n"):
            line = line[:-1] if line.endswith("\r") else line
            if not line.startswith("//!"):
                break
            lines.append(line + "\n")
        docs[rel] = "".join(lines)
    return docs


def tutorial_prose(root: str) -> str:
    """Copies the prose file the wasm names into `root`; returns its name ("" if the
    wasm embeds its prose). Raises SystemExit when the file cannot be found."""
    names = set()
    for wasm in glob.glob(os.path.join(root, "*.wasm")):
        with open(wasm, "rb") as f:
            names.update(PROSE_NAME.findall(f.read()))
    if not names:
        return ""
    if len(names) > 1:
        sys.exit(f"postbuild: the wasm names several prose files: {sorted(names)}")
    name = names.pop().decode()
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    found = glob.glob(os.path.join(target, "wasm32-unknown-unknown", "*", "build", "sdl-content-*", "out", name))
    if not found:
        sys.exit(f"postbuild: {name} (the tutorials' prose) is not under {target}; rebuild the content crate")
    shutil.copyfile(found[0], os.path.join(root, name))
    return name


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TRUNK_STAGING_DIR", "dist")
    if not os.path.isfile(os.path.join(root, "index.html")):
        print(f"postbuild: {root}/index.html not found (is this a built site?)", file=sys.stderr)
        return 2
    docs = module_docs(ENGINE_SRC)
    if not docs:
        print(f"postbuild: no doc_of! paths under {ENGINE_SRC}", file=sys.stderr)
        return 2
    with open(os.path.join(root, "docs.json"), "w", encoding="utf-8") as f:
        json.dump(docs, f, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    prose = tutorial_prose(root)
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
            if rel not in SKIP:
                files.append(rel)
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0")
        with open(os.path.join(root, rel), "rb") as f:
            digest.update(f.read())
    version = digest.hexdigest()[:16]
    # The scope root ("./") is what a visitor opens; it is index.html under another URL.
    manifest = {"version": version, "files": ["./"] + files}
    with open(os.path.join(root, "sw-manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    sw = os.path.join(root, "sw.js")
    if os.path.isfile(sw):
        with open(sw, encoding="utf-8") as f:
            text = f.read()
        if PLACEHOLDER not in text:
            print("postbuild: sw.js has no __SDL_BUILD__ placeholder", file=sys.stderr)
            return 2
        with open(sw, "w", encoding="utf-8") as f:
            f.write(text.replace(PLACEHOLDER, version))
    print(f"postbuild: docs.json ({len(docs)} docs), {prose or 'no prose file'}, sw-manifest.json version {version}, {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
