#!/usr/bin/env python3
"""`make bundle`: the lab packaged for classrooms without a server or a network.

From a built dist/ (make build) it writes, next to dist/:
- `sdl-lab-site.zip`: the whole site in a folder `sdl-lab/`, to unpack on a laptop and
  serve with any static server (it works under any path; after one visit, offline);
- `sdl-lab.html`: one self-contained file that runs by double-click from disk (file://),
  no server: the stylesheet, the icon, the app's JavaScript and its wasm (base64, compiled
  from bytes) are inlined, the catalogue's prose (docs.json) and the tutorials' prose
  (tutorials-<hash>.json) as JSON data blocks, and its
  Content-Security-Policy allows exactly those inline blocks by hash (nothing may be
  fetched at all).

Usage: scripts/bundle.py [--dist DIR] [--out DIR]   (defaults: dist, the parent of dist)
Only the Python standard library; the output is byte-for-byte reproducible.
"""

import argparse
import base64
import hashlib
import os
import re
import sys
import zipfile

ZIP_NAME = "sdl-lab-site.zip"
HTML_NAME = "sdl-lab.html"
# A fixed timestamp (zip needs one) so the same dist/ gives the same zip.
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

SITE_README = """Systems Design Lab: the static site.

Serve this folder with any static web server, for example:

    python3 -m http.server 8080 --directory sdl-lab

then open http://localhost:8080/ . It also works under a sub-path. After one visit the
browser keeps a copy (service worker), so the lab keeps working with the network off.
Nothing is sent anywhere: the simulation runs in the page.
"""


def fail(msg: str) -> "None":
    print(f"bundle: {msg}", file=sys.stderr)
    sys.exit(2)


def site_files(dist: str) -> list:
    out = []
    for dirpath, dirnames, filenames in os.walk(dist):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            out.append((os.path.relpath(full, dist).replace(os.sep, "/"), full))
    return out


def write_zip(dist: str, path: str) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)

        add("sdl-lab/README.txt", SITE_README.encode())
        for rel, full in site_files(dist):
            with open(full, "rb") as f:
                add(f"sdl-lab/{rel}", f.read())


def sha256_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def single_file(dist: str) -> str:
    with open(os.path.join(dist, "index.html"), encoding="utf-8") as f:
        html = f.read()
    boot = re.search(r'<script type="module" src="[^"]*boot\.js" data-sdl-js="([^"]+)" data-sdl-wasm="([^"]+)"></script>', html)
    if not boot:
        fail("dist/index.html has no boot.js tag with data-sdl-js/data-sdl-wasm (built with this Trunk.toml?)")
    js_name, wasm_name = boot.group(1), boot.group(2)
    css = re.search(r'<link rel="stylesheet" href="\./([^"]+)"[^>]*/?>', html)
    icon = re.search(r'<link rel="icon" href="\./([^"]+)"[^>]*/?>', html)
    if not css:
        fail("dist/index.html has no stylesheet link")

    def read(name: str, mode: str = "r"):
        path = os.path.join(dist, name)
        if not os.path.isfile(path):
            fail(f"{path} is missing (run make build)")
        with open(path, mode) as f:
            return f.read()

    js = read(js_name)
    # The wasm-bindgen module, made a plain inline module: no exports, started from bytes.
    js = re.sub(r"^export (class|function|const|let|async function) ", r"\1 ", js, flags=re.M)
    js = re.sub(r"^export \{[^}]*\};?\s*$", "", js, flags=re.M)
    if re.search(r"^\s*export\b", js, flags=re.M):
        fail(f"{js_name}: an export form this script does not know how to inline")
    wasm_b64 = base64.b64encode(read(wasm_name, "rb")).decode()
    # The catalogue's prose (the app reads this block instead of fetching docs.json).
    # "</" cannot close the block once escaped as JSON allows ("<\/").
    docs = read("docs.json").replace("</", "<\\/")
    # The tutorials' prose likewise (instead of fetching tutorials-<hash>.json).
    prose_files = sorted(n for n in os.listdir(dist) if re.fullmatch(r"tutorials-[0-9a-f]{16}\.json", n))
    if len(prose_files) > 1:
        fail(f"several tutorial prose files in {dist}: {prose_files} (rebuild dist)")
    prose = read(prose_files[0]).replace("</", "<\\/") if prose_files else ""
    start = (
        "\nconst sdlWasm = document.getElementById('sdl-wasm');\n"
        "const sdlBytes = Uint8Array.from(atob(sdlWasm.textContent.trim()), (c) => c.charCodeAt(0));\n"
        "sdlWasm.remove();\n"
        "await __wbg_init({ module_or_path: sdlBytes });\n"
        "window.sdlLab = Object.freeze({ lms: Object.freeze({ version: lmsVersion, reportProgress: lmsReportProgress,"
        " saveProgress: lmsSaveProgress, savedProgress: lmsSavedProgress }) });\n"
    )
    script = js + start
    style = read(css.group(1))
    if "</style" in style.lower() or "</script" in script.lower():
        fail("an inlined file contains a closing tag; it cannot be inlined safely")

    csp = (
        "default-src 'none'; "
        f"script-src 'sha256-{sha256_b64(script)}' 'wasm-unsafe-eval'; "
        f"style-src 'sha256-{sha256_b64(style)}'; "
        "img-src data: blob:; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    out = html
    out = re.sub(r"<!-- Strict CSP:[\s\S]*?-->",
                 "<!-- CSP of the single file: only the inline blocks below (by hash); nothing is fetched. -->", out)
    out = re.sub(r'<meta http-equiv="Content-Security-Policy" content="[^"]*" />',
                 f'<meta http-equiv="Content-Security-Policy" content="{csp}" />', out)
    out = out.replace(boot.group(0), "")
    out = re.sub(r'<link rel="modulepreload"[^>]*>', "", out)
    out = re.sub(r'<link rel="preload"[^>]*>', "", out)
    out = re.sub(r'<link rel="manifest"[^>]*/?>', "", out)
    out = out.replace(css.group(0), f"<style>{style}</style>")
    if icon:
        svg = base64.b64encode(read(icon.group(1), "rb")).decode()
        out = out.replace(icon.group(0), f'<link rel="icon" href="data:image/svg+xml;base64,{svg}" />')
    body_end = out.rindex("</body>")
    out = (
        out[:body_end]
        + f'<script type="application/octet-stream" id="sdl-wasm">{wasm_b64}</script>\n'
        + f'<script type="application/json" id="sdl-docs">{docs}</script>\n'
        + (f'<script type="application/json" id="sdl-prose">{prose}</script>\n' if prose else "")
        + f'<script type="module">{script}</script>\n'
        + out[body_end:]
    )
    out = out.replace(
        "<!-- The page shell Trunk turns into dist/index.html",
        "<!-- Single-file build (scripts/bundle.py) of the page shell Trunk turns into dist/index.html",
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", default="dist")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    dist = args.dist
    if not os.path.isfile(os.path.join(dist, "index.html")):
        fail(f"{dist}/index.html not found: run make build first")
    out = args.out or os.path.dirname(os.path.abspath(dist))
    os.makedirs(out, exist_ok=True)
    zip_path = os.path.join(out, ZIP_NAME)
    write_zip(dist, zip_path)
    html_path = os.path.join(out, HTML_NAME)
    with open(html_path, "w", encoding="utf-8") as f:
        f.write(single_file(dist))
    for p in (zip_path, html_path):
        print(f"bundle: {p} ({os.path.getsize(p)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
