// A recording LRS for the cmi5 tests: Playwright's page.route fulfils, on the AU's own
// origin, what a cmi5 LMS serves an AU: the one-time fetch URL (the auth token), the
// xAPI State API (LMS.LaunchData, which the LMS writes before the launch, and any
// document the AU keeps) and the Statements API; every request is recorded with its
// headers, so a test can assert the statements, their order and the credentials.
import type { Page, Route } from '@playwright/test';

export const TOKEN = 'c2RsLWF1OnNlY3JldA==';
export const ACTOR = { objectType: 'Agent', account: { homePage: 'https://lms.example', name: 'learner-cmi5' } };

export interface Recorded {
  method: string;
  url: string;
  auth?: string;
  version?: string;
  body?: string;
}

export class RecordingLrs {
  readonly statements: any[] = [];
  readonly requests: Recorded[] = [];
  readonly state = new Map<string, string>();
  fetches = 0;
  readonly registration = crypto.randomUUID();
  readonly sessionId = crypto.randomUUID();
  readonly activityId: string;
  readonly publisherId: string;

  constructor(readonly origin: string, au: string, readonly launchData: Record<string, unknown> = {}) {
    this.activityId = `https://lms.example/activities/${au}`;
    this.publisherId = `urn:systems-design-lab:cmi5:${au}`;
  }

  get endpoint(): string {
    return `${this.origin}/lrs/xapi/`;
  }

  /** The launch parameters a cmi5 LMS appends to the AU's url. */
  launchQuery(): string {
    const p = new URLSearchParams({
      endpoint: this.endpoint,
      fetch: `${this.origin}/lrs/fetch?k=${this.sessionId}`,
      actor: JSON.stringify(ACTOR),
      registration: this.registration,
      activityId: this.activityId,
    });
    return p.toString();
  }

  /** What the LMS does before it launches the AU: LMS.LaunchData and a Launched statement. */
  async install(page: Page): Promise<void> {
    this.state.set('LMS.LaunchData', JSON.stringify({
      contextTemplate: {
        contextActivities: { grouping: [{ id: this.publisherId }] },
        extensions: { 'https://w3id.org/xapi/cmi5/context/extensions/sessionid': this.sessionId },
      },
      launchMode: 'Normal',
      moveOn: 'CompletedAndPassed',
      masteryScore: 0.8,
      ...this.launchData,
    }));
    this.statements.push({
      actor: ACTOR,
      verb: { id: 'http://adlnet.gov/expapi/verbs/launched' },
      object: { id: this.activityId },
      context: { registration: this.registration },
      timestamp: new Date().toISOString(),
    });
    await page.route(`${this.origin}/lrs/**`, (route) => this.handle(route));
    // A statement sent with keepalive as the AU's frame goes (Terminated, from
    // `pagehide`) leaves the page, but Playwright can no longer fulfil it once the frame
    // is gone (net::ERR_ABORTED): it is recorded from the request the page made.
    page.on('requestfailed', async (req) => {
      if (this.routed.has(req) || req.method() !== 'POST' || !req.url().startsWith(`${this.endpoint}statements`)) return;
      const headers = await req.allHeaders().catch(() => req.headers());
      this.requests.push({
        method: req.method(), url: req.url(), auth: headers['authorization'],
        version: headers['x-experience-api-version'], body: req.postData() ?? undefined,
      });
      if (headers['authorization'] === `Basic ${TOKEN}`) this.statements.push(JSON.parse(req.postData() ?? 'null'));
    });
  }

  private readonly routed = new WeakSet<object>();

  private async handle(route: Route): Promise<void> {
    const req = route.request();
    this.routed.add(req);
    const url = new URL(req.url());
    const headers = await req.allHeaders();
    this.requests.push({
      method: req.method(), url: req.url(), auth: headers['authorization'],
      version: headers['x-experience-api-version'], body: req.postData() ?? undefined,
    });
    const json = (status: number, body: unknown) =>
      route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (url.pathname === '/lrs/fetch') {
      if (req.method() !== 'POST') return json(405, {});
      this.fetches += 1;
      return this.fetches === 1
        ? json(200, { 'auth-token': TOKEN })
        : json(200, { 'error-code': '1', 'error-text': 'The authorization token has already been returned.' });
    }
    if (headers['authorization'] !== `Basic ${TOKEN}`) return json(401, {});
    if (url.pathname === '/lrs/xapi/activities/state') {
      const key = url.searchParams.get('stateId')!;
      const mine = url.searchParams.get('activityId') === this.activityId
        && url.searchParams.get('registration') === this.registration
        && JSON.parse(url.searchParams.get('agent')!).account?.name === ACTOR.account.name;
      if (!mine) return json(400, { error: 'not this launch' });
      if (req.method() === 'GET') {
        const doc = this.state.get(key);
        return doc === undefined ? route.fulfill({ status: 404, body: '' }) : route.fulfill({ status: 200, contentType: 'application/json', body: doc });
      }
      if (req.method() === 'PUT' && key !== 'LMS.LaunchData') {
        this.state.set(key, req.postData() ?? '');
        return route.fulfill({ status: 204, body: '' });
      }
      return json(403, {});
    }
    if (url.pathname === '/lrs/xapi/statements' && req.method() === 'POST') {
      const s = JSON.parse(req.postData() ?? 'null');
      this.statements.push(s);
      return json(200, [s.id]);
    }
    return json(404, {});
  }

  /** The verbs recorded, in order, by their IRI's last segment. */
  verbs(): string[] {
    return this.statements.map((s) => s.verb.id.split('/').pop());
  }

  /** A new session of the same registration: a new fetch URL and session id. */
  relaunch(): RecordingLrs {
    const next = new RecordingLrs(this.origin, this.publisherId.split(':').slice(3).join(':'), this.launchData);
    Object.assign(next, { registration: this.registration, sessionId: crypto.randomUUID() });
    for (const [k, v] of this.state) if (k !== 'LMS.LaunchData') next.state.set(k, v);
    return next;
  }
}
