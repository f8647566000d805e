// Page object for the tutorial panel: the series index, an open tutorial's steps (Apply,
// Check, hints, previous/next), its quiz, and the progress tools. Everything by
// data-testid, so tests read like what a learner does.
import { expect, type Locator, type Page } from '@playwright/test';

export class TutorialPage {
  readonly page: Page;
  readonly panel: Locator;
  readonly index: Locator;
  readonly title: Locator;
  readonly pageTitle: Locator;
  readonly apply: Locator;
  readonly check: Locator;
  readonly checkResult: Locator;
  readonly next: Locator;
  readonly prev: Locator;
  readonly quiz: Locator;
  readonly quizSubmit: Locator;
  readonly quizScore: Locator;
  readonly notice: Locator;
  readonly linkError: Locator;

  constructor(page: Page) {
    this.page = page;
    this.panel = page.getByTestId('tutorial-panel');
    this.index = page.getByTestId('tutorial-index');
    this.title = page.getByTestId('tutorial-title');
    this.pageTitle = page.getByTestId('page-title');
    this.apply = page.getByTestId('step-apply');
    this.check = page.getByTestId('step-check');
    this.checkResult = page.getByTestId('check-result');
    this.next = page.getByTestId('step-next');
    this.prev = page.getByTestId('step-prev');
    this.quiz = page.getByTestId('quiz');
    this.quizSubmit = page.getByTestId('quiz-submit');
    this.quizScore = page.getByTestId('quiz-score');
    this.notice = page.getByTestId('progress-notice');
    this.linkError = page.getByTestId('link-error');
  }

  /** Opens the page, optionally with a query string such as `?tutorial=x&step=2`. */
  async open(query = ''): Promise<void> {
    await this.page.goto(`./${query}`);
    await expect(this.panel).toBeVisible();
  }

  /** Opens a tutorial from the index (expanding its series first). */
  async openFromIndex(series: string, id: string): Promise<void> {
    await this.page.getByTestId(`series-${series}`).locator('summary').click();
    await this.page.getByTestId(`tutorial-entry-${id}`).getByRole('button').click();
    await expect(this.page.getByTestId('tutorial')).toHaveAttribute('data-tutorial', id);
  }

  /** The state shown for a tutorial in the index ("Completed, quiz 1/1", "Not started"). */
  entryState(id: string): Locator {
    return this.page.getByTestId(`tutorial-state-${id}`);
  }

  /** The 1-based number of the step on screen. */
  async stepNumber(): Promise<number> {
    return Number(await this.page.getByTestId('step').getAttribute('data-step'));
  }

  /** Applies the step, lets it run at full speed, and checks until the check passes. */
  async applyAndPass(): Promise<void> {
    await this.apply.click();
    await this.page.getByTestId('speed-select').selectOption('max');
    await expect(async () => {
      await this.check.click();
      await expect(this.checkResult).toHaveAttribute('data-passed', 'true', { timeout: 500 });
    }).toPass({ timeout: 20_000 });
  }

  choice(question: number, choice: number): Locator {
    return this.page.getByTestId(`quiz-q${question}-c${choice}`);
  }

  numberAnswer(question: number): Locator {
    return this.page.getByTestId(`quiz-q${question}-number`);
  }

  feedback(question: number): Locator {
    return this.page.getByTestId(`quiz-q${question}-feedback`);
  }

  /** The stored progress document, parsed. */
  async storedProgress(): Promise<any> {
    const raw = await this.page.evaluate(() => localStorage.getItem('sdl-progress'));
    return raw === null ? null : JSON.parse(raw);
  }
}
