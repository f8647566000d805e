#!/usr/bin/env python3
"""Trunk post-build hook (Trunk.toml [[hooks]]): writes the service worker's precache list.

Runs in Trunk's staging directory ($TRUNK_STAGING_DIR) before it becomes dist/:
- `sw-manifest.json`: {"version": <hash of every file's name and bytes>, "files": [...]}
  listing every file of the site (index.html, the wasm, js, css, icons, the manifest),
  relative to the site root, so the worker caches the whole app shell;
- `sw.js`: its `__SDL_BUILD__` placeholder becomes that version, so each build's worker
  differs byte for byte, the browser installs it as an update, and its cache name is new.

Usage: scripts/postbuild.py [DIR]   (DIR defaults to $TRUNK_STAGING_DIR, else dist)
"""

import hashlib
import json
import os
import sys

# Not precached: the worker itself (the browser fetches it) and its own list.
SKIP = {"sw.js", "sw-manifest.json"}
PLACEHOLDER = "__SDL_BUILD__"


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TRUNK_STAGING_DIR", "dist")
    if not os.path.isfile(os.path.join(root, "index.html")):
        print(f"postbuild: {root}/index.html not found (is this a built site?)", file=sys.stderr)
        return 2
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
    print(f"postbuild: sw-manifest.json version {version}, {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
