#!/usr/bin/env python3
"""Serves a directory as a static host with compression would (GitHub Pages, Netlify):
text, JavaScript, CSS, JSON, SVG and WebAssembly gzipped (level 6, compressed once and
kept) when the browser accepts gzip, with the right types and a Content-Length. What
Lighthouse measures against: python's http.server sends everything uncompressed.

    scripts/serve-gzip.py DIR PORT
"""
import gzip
import http.server
import os
import sys

COMPRESSIBLE = {".html", ".js", ".css", ".json", ".svg", ".wasm", ".webmanifest", ".txt"}


class Handler(http.server.SimpleHTTPRequestHandler):
    cache = {}
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".webmanifest": "application/manifest+json",
    }

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        ext = os.path.splitext(path)[1]
        gzip_ok = "gzip" in self.headers.get("Accept-Encoding", "")
        if ext not in COMPRESSIBLE or not gzip_ok or not os.path.isfile(path):
            return super().send_head()
        body = self.cache.get(path)
        if body is None:
            with open(path, "rb") as f:
                body = gzip.compress(f.read(), compresslevel=6)
            self.cache[path] = body
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        from io import BytesIO
        return BytesIO(body)


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    handler = lambda *a, **k: Handler(*a, directory=directory, **k)  # noqa: E731
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        httpd.serve_forever()


if __name__ == "__main__":
    main()
