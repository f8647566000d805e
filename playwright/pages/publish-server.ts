// A small static file server for the publishing tests: serves a directory under any
// URL prefix (`/sdl/` = a GitHub Pages project site), on a free localhost port, and can
// be stopped mid-test (to prove the page then runs from the service worker's cache).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.xml': 'application/xml',
  '.xsd': 'application/xml',
  '.dtd': 'application/xml-dtd',
};

export interface StaticServer {
  /** Origin + prefix, ending in `/`. */
  url: string;
  origin: string;
  /** Paths (with prefix) that were asked for and not found. */
  missing: string[];
  /** Every path asked for, in order. */
  requested: string[];
  close(): Promise<void>;
}

/** Serves `dir` at `http://127.0.0.1:<free port><prefix>`; `mounts` adds more directories. */
export async function serve(dir: string, prefix = '/', mounts: Record<string, string> = {}): Promise<StaticServer> {
  const all: [string, string][] = [[prefix, dir], ...Object.entries(mounts)];
  all.sort((a, b) => b[0].length - a[0].length);
  const missing: string[] = [];
  const requested: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requested.push(pathname);
    const mount = all.find(([p]) => pathname.startsWith(p));
    let file = mount ? path.join(mount[1], pathname.slice(mount[0].length)) : '';
    if (mount && !path.resolve(file).startsWith(path.resolve(mount[1]))) file = '';
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!file || !fs.existsSync(file)) {
      missing.push(pathname);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    res.end(fs.readFileSync(file));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin + prefix,
    origin,
    missing,
    requested,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
