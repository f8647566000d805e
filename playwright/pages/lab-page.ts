// Page object for the lab page: how a test finds and uses its controls, values and
// charts (all by data-testid), so tests read like what a learner does.
import { expect, type Locator, type Page } from '@playwright/test';

export type Speed = '1' | '10' | '100' | 'max';

export class LabPage {
  readonly page: Page;
  readonly playToggle: Locator;
  readonly speedSelect: Locator;
  readonly resetButton: Locator;
  readonly seedInput: Locator;
  readonly systemSelect: Locator;
  readonly virtualTime: Locator;

  constructor(page: Page) {
    this.page = page;
    this.playToggle = page.getByTestId('play-toggle');
    this.speedSelect = page.getByTestId('speed-select');
    this.resetButton = page.getByTestId('reset');
    this.seedInput = page.getByTestId('seed-input');
    this.systemSelect = page.getByTestId('system-select');
    this.virtualTime = page.getByTestId('virtual-time');
  }

  async open(): Promise<void> {
    await this.page.goto('./');
    await expect(this.playToggle).toBeVisible();
  }

  /** Virtual time of the run, in seconds. */
  async virtualSeconds(): Promise<number> {
    return Number(await this.virtualTime.getAttribute('data-ns')) / 1e9;
  }

  /** A golden value as the engine reports it (seconds, ratios, req/s), from `value-<name>`. */
  async value(name: string): Promise<number> {
    return Number(await this.page.getByTestId(`value-${name}`).getAttribute('data-value'));
  }

  /** The drawn lines of a chart (SVG path data), to see that it moves. */
  async chartPaths(name: string): Promise<string[]> {
    return this.page
      .getByTestId(`chart-${name}`)
      .locator('path.series')
      .evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? ''));
  }

  async setSpeed(speed: Speed): Promise<void> {
    await this.speedSelect.selectOption(speed);
  }

  /** Pauses the run and waits until the clock has stopped: the engine runs in a worker,
   *  which hears the pause a few milliseconds later and reports where it stopped. */
  async pause(): Promise<void> {
    if ((await this.playToggle.textContent())?.trim() === 'Pause') {
      await this.playToggle.click();
    }
    await expect(this.playToggle).toHaveText('Play');
    await expect
      .poll(async () => {
        const before = await this.virtualSeconds();
        await this.page.waitForTimeout(100);
        return (await this.virtualSeconds()) === before;
      })
      .toBe(true);
  }

  param(name: string): Locator {
    return this.page.getByTestId(`param-${name}`);
  }

  paramError(name: string): Locator {
    return this.page.getByTestId(`param-error-${name}`);
  }

  /** Types a value into a system parameter and commits it (Enter), as a person does. */
  async setParam(name: string, value: string): Promise<void> {
    await this.param(name).fill(value);
    await this.param(name).press('Enter');
  }

  scenarioToggle(id: string): Locator {
    return this.page.getByTestId(`scenario-toggle-${id}`);
  }

  scenarioParam(id: string, name: string): Locator {
    return this.page.getByTestId(`scenario-param-${id}-${name}`);
  }

  /** Unfolds a scenario's parameter form (it unfolds by itself when switched on). */
  async openScenarioParams(id: string): Promise<void> {
    const details = this.page.getByTestId(`scenario-params-${id}`);
    if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) {
      await details.locator('summary').click();
    }
  }
}
