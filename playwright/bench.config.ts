// Configuration of the page bench (`playwright/bench.sh`, run by `make bench`): the same
// static server and Debian Chromium as the tests, but the specs in ./bench, which measure
// rather than assert, and run alone.
import base from './playwright.config';
import { defineConfig } from '@playwright/test';

export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  timeout: 45 * 60_000,
  retries: 0,
  use: {
    ...base.use,
    launchOptions: {
      ...base.use?.launchOptions,
      args: [...(base.use?.launchOptions?.args ?? []), '--enable-precise-memory-info'],
    },
  },
});
