// Page object for sharing, comparing, exporting and the catalogue: opening a lab link,
// reading the exact summary, downloading exports, importing a configuration, and
// finding an item in the catalogue (all by data-testid).
import { expect, type Download, type Locator, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { LabPage } from './lab-page';

export const SUMMARY_FIELDS = ['p50', 'p95', 'p99', 'error-rate', 'throughput', 'goodput'] as const;
export type SummaryField = (typeof SUMMARY_FIELDS)[number];

export class StatePage extends LabPage {
  readonly notice: Locator;
  readonly copyLink: Locator;
  readonly shareLink: Locator;
  readonly compareTable: Locator;
  readonly importInput: Locator;
  readonly importErrors: Locator;

  constructor(page: Page) {
    super(page);
    this.notice = page.getByTestId('link-notice');
    this.copyLink = page.getByTestId('copy-link');
    this.shareLink = page.getByTestId('share-link');
    this.compareTable = page.getByTestId('compare-table');
    this.importInput = page.getByTestId('import-config');
    this.importErrors = page.getByTestId('import-errors');
  }

  /** Opens a lab link (a query string, with or without `?`) and waits for its replay. */
  async openLink(query: string): Promise<void> {
    await this.page.goto(`./?${query.replace(/^\?/, '')}`);
    await expect(this.page.getByTestId('nav-catalog')).toBeVisible();
    await expect(this.page.getByTestId('replay-progress')).toHaveCount(0, { timeout: 20_000 });
  }

  /** The exact summary of the run (shown when paused), as the engine reports it. */
  async summary(): Promise<Record<SummaryField, number>> {
    await expect(this.compareTable).toBeVisible();
    const out = {} as Record<SummaryField, number>;
    for (const f of SUMMARY_FIELDS) {
      out[f] = Number(await this.page.getByTestId(`summary-${f}`).getAttribute('data-value'));
    }
    return out;
  }

  /** Presses "Copy link" and returns the link it shows. */
  async copiedLink(): Promise<string> {
    await this.copyLink.click();
    await expect(this.shareLink).toBeVisible();
    return this.shareLink.inputValue();
  }

  /** Clicks an export button and returns the downloaded file's name and bytes. */
  async download(testid: string): Promise<{ name: string; body: Buffer }> {
    const [download]: [Download, void] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByTestId(testid).click(),
    ]);
    const path = await download.path();
    return { name: download.suggestedFilename(), body: await readFile(path!) };
  }

  async importConfig(name: string, body: string | Buffer): Promise<void> {
    await this.importInput.setInputFiles({
      name,
      mimeType: 'application/json',
      buffer: Buffer.isBuffer(body) ? body : Buffer.from(body),
    });
  }

  async openCatalog(): Promise<void> {
    await this.page.getByTestId('nav-catalog').click();
    await expect(this.page.getByTestId('catalog')).toBeVisible();
  }

  catalogItem(id: string): Locator {
    return this.page.getByTestId(`catalog-item-${id}`);
  }
}
