// Page object for the lab console under the dashboard: its tabs (Logs, Traces,
// Topology), the log filters, the trace list and waterfall, and the topology diagram,
// all found by data-testid.
import { expect, type Locator, type Page } from '@playwright/test';

export type ConsoleTab = 'logs' | 'traces' | 'topology' | 'events' | 'history' | 'projections';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type TraceView = 'recent' | 'slowest' | 'errors';

export class ConsolePage {
  readonly page: Page;
  readonly root: Locator;
  readonly logLevel: Locator;
  readonly logComponent: Locator;
  readonly logSearch: Locator;
  readonly logPause: Locator;
  readonly logLines: Locator;
  readonly logCount: Locator;
  readonly traceLinks: Locator;
  readonly traceItems: Locator;
  readonly waterfall: Locator;
  readonly waterfallTitle: Locator;
  readonly spanRows: Locator;
  readonly topology: Locator;
  readonly topologyTable: Locator;
  readonly focusNote: Locator;

  constructor(page: Page) {
    this.page = page;
    this.root = page.getByTestId('console');
    this.logLevel = page.getByTestId('log-level');
    this.logComponent = page.getByTestId('log-component');
    this.logSearch = page.getByTestId('log-search');
    this.logPause = page.getByTestId('log-pause');
    this.logLines = page.getByTestId('log-line');
    this.logCount = page.getByTestId('log-count');
    this.traceLinks = page.getByTestId('log-trace-link');
    this.traceItems = page.getByTestId('trace-item');
    this.waterfall = page.getByTestId('waterfall');
    this.waterfallTitle = page.getByTestId('waterfall-title');
    this.spanRows = page.getByTestId('span-row');
    this.topology = page.getByTestId('topology');
    this.topologyTable = page.getByTestId('topology-table');
    this.focusNote = page.getByTestId('console-focus');
  }

  tab(name: ConsoleTab): Locator {
    return this.page.getByTestId(`console-tab-${name}`);
  }

  async openTab(name: ConsoleTab): Promise<void> {
    // Panels appearing above the console (a switch just turned on) can move the tab
    // between Playwright's stability check and its click, which then lands elsewhere:
    // click again until the tab is selected (selecting it twice changes nothing).
    await expect(async () => {
      await this.tab(name).click();
      await expect(this.tab(name)).toHaveAttribute('aria-selected', 'true', { timeout: 2_000 });
    }).toPass({ timeout: 15_000 });
  }

  async filterLogs(level: LogLevel, text: string): Promise<void> {
    await this.logLevel.selectOption(level);
    await this.logSearch.fill(text);
  }

  /** The level and text of every shown log line. */
  async shownLogs(): Promise<{ level: string; text: string }[]> {
    return this.logLines.evaluateAll((lines) =>
      lines.map((l) => ({ level: l.getAttribute('data-level') ?? '', text: l.textContent ?? '' })),
    );
  }

  async showTraces(view: TraceView): Promise<void> {
    await this.page.getByTestId(`trace-view-${view}`).click();
  }

  topoNode(id: string): Locator {
    return this.page.getByTestId(`topo-node-${id}`);
  }

  /** Fails when the page is wider than the viewport (horizontal scrolling). */
  async pageWidth(): Promise<{ scroll: number; client: number }> {
    return this.page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
  }
}
