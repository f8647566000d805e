// Every spec's `test`: Playwright's, plus a watch on the console. Any error on the
// console of any page or Web Worker in the test's browser context (a Rust panic, a
// failed assertion in the glue, an uncaught exception) fails the test, unless the spec
// says which errors it provokes on purpose (`test.use({ expectedConsoleErrors: [/…/] })`).
import { test as base, expect, type BrowserContext, type ConsoleMessage, type Page } from '@playwright/test';

export { expect };
export type { BrowserContext, ConsoleMessage, Page };
export type { Frame, FrameLocator, Locator } from '@playwright/test';

type Options = {
  /** Console errors this spec causes on purpose (a 404 it asks for, a CSP probe…). */
  expectedConsoleErrors: RegExp[];
};

type Fixtures = {
  /** What went to the console as an error so far, in every page and worker. */
  consoleErrors: string[];
};

export const test = base.extend<Options & Fixtures>({
  expectedConsoleErrors: [[], { option: true }],
  consoleErrors: [
    async ({ context, expectedConsoleErrors }, use) => {
      const problems: string[] = [];
      const watchConsole = (where: string) => (m: ConsoleMessage) => {
        if (m.type() === 'error') problems.push(`${where} console: ${m.text()}`);
      };
      const watchPage = (page: Page) => {
        page.on('console', watchConsole('page'));
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('worker', (w) => w.on('console', watchConsole('worker')));
      };
      context.pages().forEach(watchPage);
      context.on('page', watchPage);
      await use(problems);
      const unexpected = problems.filter((p) => !expectedConsoleErrors.some((re) => re.test(p)));
      expect(unexpected, 'errors on the console of a page or worker').toEqual([]);
    },
    { auto: true },
  ],
});
