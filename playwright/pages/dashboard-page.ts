// Page object for the dashboard: time range, chart hover read-outs, scenario panels,
// alerts and the shortcuts dialog (all by data-testid). Builds on LabPage for the run
// controls and switches.
import { expect, type Locator, type Page } from '@playwright/test';
import { LabPage } from './lab-page';

export type Range = '1m' | '5m' | '15m' | 'all';

export class DashboardPage extends LabPage {
  readonly timeRange: Locator;
  readonly shortcutsDialog: Locator;
  readonly alertHistory: Locator;

  constructor(page: Page) {
    super(page);
    this.timeRange = page.getByTestId('time-range');
    this.shortcutsDialog = page.getByTestId('shortcuts-dialog');
    this.alertHistory = page.getByTestId('alert-history');
  }

  chart(name: string): Locator {
    return this.page.getByTestId(`chart-${name}`);
  }

  plot(name: string): Locator {
    return this.page.getByTestId(`chart-${name}-plot`);
  }

  /** The live read-out of the hovered instant of a chart ('' when nothing is hovered). */
  async hoverText(name: string): Promise<string> {
    return ((await this.page.getByTestId(`chart-${name}-hover`).textContent()) ?? '').trim();
  }

  /** The virtual seconds a chart's x-axis spans. */
  async spanSeconds(name: string): Promise<number> {
    return Number(await this.chart(name).getAttribute('data-span-ns')) / 1e9;
  }

  async setRange(range: Range): Promise<void> {
    await this.timeRange.selectOption(range);
  }

  /** Moves the pointer to a fraction (0..1) of a chart's plot width, mid-height. */
  async hoverAt(name: string, fraction: number): Promise<void> {
    // The mouse hovers what is on screen: bring the plot into view first.
    await this.plot(name).scrollIntoViewIfNeeded();
    const box = await this.plot(name).locator('svg').boundingBox();
    if (!box) throw new Error(`chart ${name} has no plot box`);
    await this.page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
  }

  /** The panel group of a switched-on scenario or mitigation. */
  panels(id: string): Locator {
    return this.page.getByTestId(`panels-${id}`);
  }

  /** Turns a switch off from the keyboard (Space on the focused switch), as a keyboard user
   *  does; a pointer click can land on the switch's unfolding description instead. */
  async switchOff(kind: 'scenario' | 'mitigation', id: string): Promise<void> {
    const toggle = this.page.getByTestId(`${kind}-toggle-${id}`);
    await toggle.focus();
    await toggle.press(' ');
    await expect(toggle).not.toBeChecked();
  }

  alert(name: string): Locator {
    return this.page.getByTestId(`alert-${name}`);
  }

  /** Adds one of the learner's alert rules through the form, as typed. */
  async addRule(text: string): Promise<void> {
    await this.page.getByTestId('rule-input').fill(text);
    await this.page.getByTestId('rule-add').click();
  }

  /** Sets a service-level objective (`availability_pct`, `latency_ms`) and applies it. */
  async setObjective(name: string, value: string): Promise<void> {
    const field = this.page.getByTestId(`slo-${name}`);
    await field.fill(value);
    await field.press('Enter');
  }

  /** Presses a key with nothing focused (as on the page background), as a shortcut. */
  async shortcut(key: string): Promise<void> {
    await this.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await this.page.keyboard.press(key);
  }

  async expectDialogOpen(open: boolean): Promise<void> {
    await expect
      .poll(() => this.shortcutsDialog.evaluate((d) => (d as HTMLDialogElement).open))
      .toBe(open);
  }
}
