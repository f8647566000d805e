// Playwright configuration: the built site (../dist) served by a tiny static server on a
// free localhost port, driven in Debian's Chromium (never a downloaded browser).
import { defineConfig } from '@playwright/test';
import { execSync } from 'node:child_process';
import path from 'node:path';

// The config is evaluated again in every worker; the port is chosen once, in the runner,
// and handed down through the environment.
if (!process.env.SDL_E2E_PORT) {
  process.env.SDL_E2E_PORT = execSync(
    `node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"`,
  )
    .toString()
    .trim();
}
const port = Number(process.env.SDL_E2E_PORT);
const baseURL = `http://127.0.0.1:${port}/`;
const dist = path.resolve(__dirname, '..', 'dist');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // The page simulates continuously; one page at a time keeps timings honest on 2 cores.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `python3 -m http.server ${port} --bind 127.0.0.1 --directory "${dist}"`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'ignore',
  },
});
