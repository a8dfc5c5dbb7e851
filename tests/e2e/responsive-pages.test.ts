// Every main page of the seeded app, as an admin, at 1280 px (desktop) and 390 px (phone) wide:
// a screenshot of each, no horizontal overflow of the document, every tab of a tab bar
// reachable, no Content-Security-Policy violation, and no request to another host than the app.
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContextOptions, Page, Request } from 'playwright-core';
import { runSeed } from '../../src/seed/seed';
import { logger } from '../../src/lib/logger';
import { CHROMIUM_PATH, launchBrowser, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', password: 'un mot de passe administrateur' };
const WIDTHS = [1280, 390] as const;

interface Watched {
  page: Page;
  /** CSP violations, page errors and requests to other hosts, since the last reset. */
  problems: string[];
  /** Resolves once the page's own requests (htmx `load` fragments: the header counters…) are answered and swapped in. */
  settled(): Promise<void>;
}

type SignedIn = BrowserContextOptions['storageState'];

/**
 * A browser context that records every CSP violation (the DOM event, and Chromium's console
 * line) and every request whose host is not the app's: nothing is filtered out as noise.
 * `signedIn` is the admin's session cookie, from one sign-in through the form.
 */
async function watchedPage(browser: Browser, width: number, appUrl: string, signedIn?: SignedIn): Promise<Watched> {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width, height: 900 }, storageState: signedIn });
  context.setDefaultTimeout(15_000);
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', function (event) {
      var html = event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 200) : '';
      console.error('CSP ' + event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile + ':' + event.lineNumber + ' ' + html);
    });`,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const appHost = new URL(appUrl).host;
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/^CSP |Content Security Policy|inline style/i.test(text)) problems.push(`console: ${text}`);
  });
  const inFlight = new Set<Request>();
  page.on('request', (request) => {
    inFlight.add(request);
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.host !== appHost) problems.push(`outside request: ${request.url()}`);
  });
  const done = (request: Request) => {
    inFlight.delete(request);
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  // Instead of `networkidle` (500 ms of silence after every page): no request in flight on two
  // checks 50 ms apart, time for htmx to swap what came back (its settle delay is 20 ms). The
  // classes htmx puts on elements cannot tell: DSFR copies the header's links, counters
  // included, into the mobile menu, sometimes with their `htmx-request` class on.
  const settled = async () => {
    let quiet = 0;
    const deadline = Date.now() + 5_000;
    while (quiet < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      quiet = inFlight.size > 0 ? 0 : quiet + 1;
    }
  };
  return { page, problems, settled };
}

// Code run in the page is written as strings: this project's TypeScript has no DOM types.

/**
 * The document's width against the window's, and the elements sticking out: the outermost ones
 * not clipped by a scrolling or hidden-overflow ancestor, or else the absolutely positioned ones
 * (which escape a scrolling ancestor that is not their containing block), so a failure says what to fix.
 */
const MEASURE_OVERFLOW = `(() => {
  const innerWidth = window.innerWidth;
  const name = (element) => element.tagName.toLowerCase() + '.' + String(element.className).replace(/\\s+/g, '.') + (element.id ? '#' + element.id : '');
  const clipped = (element) => {
    for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      if (getComputedStyle(parent).overflowX !== 'visible') return true;
    }
    return false;
  };
  const elements = Array.from(document.body.querySelectorAll('*'));
  let culprits = [];
  for (const element of elements) {
    const rect = element.getBoundingClientRect();
    if (rect.width > 0 && rect.right > innerWidth + 1 && !clipped(element)) {
      const parentRect = element.parentElement.getBoundingClientRect();
      if (parentRect.right <= innerWidth + 1 || element.parentElement === document.body) culprits.push(name(element) + ' right=' + Math.round(rect.right));
    }
  }
  if (culprits.length === 0) {
    for (const element of elements) {
      const position = getComputedStyle(element).position;
      const rect = element.getBoundingClientRect();
      if (rect.right > innerWidth + 1 && (position === 'absolute' || position === 'fixed')) culprits.push(name(element) + ' (' + position + ') right=' + Math.round(rect.right));
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits: culprits.slice(0, 8) };
})()`;

/** The document is no wider than the window (1 px for rounding). */
async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(MEASURE_OVERFLOW) as Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }>;
}

/** Each tab of every tab bar can be clicked (scrolled into view if need be) and then shows its panel. */
async function checkTabs(page: Page, label: string): Promise<number> {
  const tabs = page.locator('.fr-tabs__list [role="tab"]');
  const count = await tabs.count();
  for (let index = 0; index < count; index++) {
    const tab = tabs.nth(index);
    await tab.scrollIntoViewIfNeeded();
    // Inside the window and inside its (scrolled) list: not cut off.
    const id = (await tab.getAttribute('id')) ?? '';
    const inside = await page.evaluate(`(() => {
      const tab = document.getElementById(${JSON.stringify(id)});
      const rect = tab.getBoundingClientRect();
      const list = tab.closest('[role="tablist"]').getBoundingClientRect();
      return rect.width > 0 && rect.left >= list.left - 1 && rect.right <= list.right + 1 && rect.left >= -1 && rect.right <= window.innerWidth + 1;
    })()`);
    if (!inside) throw new Error(`${label}: tab ${index + 1} (${await tab.innerText()}) is cut off`);
    await tab.click();
    await waitUntil(async () => (await page.locator(`[id=${JSON.stringify(id)}]`).getAttribute('aria-selected')) === 'true', `${label}: tab ${index + 1} selected`);
    const panelId = await tab.getAttribute('aria-controls');
    await page.locator(`#${panelId}`).waitFor({ state: 'visible' });
  }
  return count;
}

describe('every page at desktop and phone width', () => {
  let app: E2eApp;
  let browser: Browser;
  const pages: Array<{ name: string; path: string; tabs?: number }> = [];
  /** The admin signed in once through the login form; every test's context starts with that session. */
  let signedIn: SignedIn;

  beforeAll(async () => {
    app = await startE2eApp({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    const db = app.database.db;
    await runSeed(db, logger.child({ module: 'seed' }), { baseUrl: app.url });
    const one = async (query: ReturnType<typeof sql>): Promise<string> => {
      const result = (await db.execute(query)) as unknown as { rows: Array<{ id?: unknown }> };
      const row = result.rows[0];
      if (!row?.id) throw new Error(`no row for ${JSON.stringify(query)}`);
      return String(row.id);
    };
    // The organisation with a long kind label, a website, contacts and conventions: the worst case.
    const organizationId = await one(sql`
      select o.id from organizations o
      join convention_parties p on p.organization_id = o.id
      where o.website is not null
      order by (select count(*) from affiliations a where a.organization_id = o.id) desc, length(o.name) desc limit 1`);
    const contactId = await one(sql`
      select c.id from contacts c join affiliations a on a.contact_id = c.id
      order by length(c.emails::text) + length(coalesce(c.job_title, '')) desc limit 1`);
    // A convention whose approval circuit has the most steps.
    const conventionId = await one(sql`
      select c.id from conventions c join workflow_runs r on r.subject_id = c.id::text
      order by (select count(*) from workflow_steps s where s.run_id = r.id) desc limit 1`);
    const runId = await one(sql`select id from workflow_runs order by started_at limit 1`);
    const stepId = await one(sql`select id from workflow_steps order by created_at limit 1`);
    const userId = await one(sql`select id from users where email = ${ADMIN.email}`);
    const unitId = await one(sql`select id from units order by code limit 1`);
    const kindCode = await one(sql`select code as id from organization_kinds order by code limit 1`);
    const emailId = await one(sql`select id from dev_mailbox order by received_at limit 1`).catch(() => '');
    // The seeded exchange with the longest summary and the most organisations; an open task.
    const exchangeId = await one(sql`
      select e.id from exchanges e
      order by (select count(*) from exchange_organizations l where l.exchange_id = e.id) desc, length(e.summary) desc limit 1`);
    const taskId = await one(sql`select id from tasks where status = 'a_faire' order by length(title) desc limit 1`);
    // The sourcing pipeline (issue 14): the case with a decided committee and a pilot under way, its gate, its challenge's
    // decision log (the challenge, the lists and the funnel are checked at 390 px by tests/e2e/sourcing-journey.test.ts).
    const gateId = await one(sql`select id from sourcing_gates where status = 'go' order by created_at limit 1`);
    const caseId = await one(sql`select case_id as id from sourcing_gates where id = ${gateId}`);
    const challengeId = await one(sql`select challenge_id as id from sourcing_cases where id = ${caseId}`);
    const pilotId = await one(sql`select id from sourcing_pilots where case_id = ${caseId} order by iteration desc limit 1`);

    const all: typeof pages = [
      { name: 'dashboard', path: '/' },
      { name: 'structures', path: '/structures' },
      { name: 'structure', path: `/structures/${organizationId}`, tabs: 5 },
      { name: 'structure-edit', path: `/structures/${organizationId}/modifier` },
      { name: 'structure-new', path: '/structures/nouveau' },
      { name: 'contacts', path: '/contacts' },
      { name: 'contact', path: `/contacts/${contactId}` },
      { name: 'contact-edit', path: `/contacts/${contactId}/modifier` },
      { name: 'contact-new', path: '/contacts/nouveau' },
      { name: 'contacts-review', path: '/contacts/a-revoir' },
      { name: 'conventions', path: '/conventions' },
      { name: 'convention', path: `/conventions/${conventionId}` },
      { name: 'convention-edit', path: `/conventions/${conventionId}/modifier` },
      { name: 'convention-new', path: '/conventions/nouvelle' },
      { name: 'convention-deadlines', path: '/conventions/echeances' },
      { name: 'validations', path: '/validations' },
      { name: 'validation-step', path: `/validations/etapes/${stepId}` },
      { name: 'validation-runs', path: '/validations/circuits' },
      { name: 'validation-run', path: `/validations/circuits/${runId}` },
      { name: 'delegations', path: '/validations/delegations' },
      { name: 'search', path: '/recherche?q=universite' },
      { name: 'imports', path: '/imports' },
      { name: 'imports-new', path: '/imports/nouveau' },
      { name: 'duplicates', path: '/doublons' },
      { name: 'merges', path: '/doublons/fusions' },
      { name: 'admin-users', path: '/admin/utilisateurs' },
      { name: 'admin-user', path: `/admin/utilisateurs/${userId}` },
      { name: 'admin-user-new', path: '/admin/utilisateurs/nouveau' },
      { name: 'admin-units', path: '/admin/unites' },
      { name: 'admin-unit', path: `/admin/unites/${unitId}` },
      { name: 'admin-kinds', path: '/admin/types-de-structures' },
      { name: 'admin-kind', path: `/admin/types-de-structures/${kindCode}` },
      { name: 'admin-restrictions', path: '/admin/champs-reserves' },
      { name: 'admin-journal', path: '/admin/journal' },
      { name: 'admin-mail', path: '/admin/courriels' },
      ...(emailId ? [{ name: 'admin-mail-one', path: `/admin/courriels/${emailId}` }] : []),
      { name: 'admin-circuits', path: '/admin/circuits' },
      { name: 'admin-circuit', path: `/admin/circuits/${runId}` },
      { name: 'admin-convention-circuits', path: '/admin/circuits-des-conventions' },
      { name: 'admin-settings', path: '/admin/parametres' },
      { name: 'exchanges', path: '/echanges' },
      { name: 'exchange', path: `/echanges/${exchangeId}` },
      { name: 'exchange-new', path: '/echanges/nouveau' },
      { name: 'startup-meeting', path: '/echanges/rencontre-startup' },
      { name: 'tasks', path: '/taches' },
      { name: 'task', path: `/taches/${taskId}` },
      { name: 'account', path: '/compte' },
      { name: 'sourcing-kanban', path: '/sourcing' },
      { name: 'sourcing-case', path: `/sourcing/pistes/${caseId}` },
      { name: 'sourcing-gate', path: `/sourcing/comites/${gateId}` },
      { name: 'sourcing-decisions', path: `/sourcing/comites/journal?defi=${challengeId}` },
      { name: 'sourcing-pilot', path: `/sourcing/pilotes/${pilotId}` },
    ];
    // RESPONSIVE_PAGES=structure,contact narrows the run while fixing a page.
    const only = process.env.RESPONSIVE_PAGES?.split(',');
    pages.push(...all.filter((entry) => !only || only.includes(entry.name)));
    browser = await launchBrowser();
    const { page } = await watchedPage(browser, 1280, app.url);
    await signIn(page, app.url, ADMIN.email, ADMIN.password);
    signedIn = await page.context().storageState();
    await page.context().close();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** One width's walk through every page: what failed and how many tabs were checked (never rejects). */
  async function walkPages(width: number): Promise<{ failures: string[]; tabsChecked: number }> {
    const failures: string[] = [];
    let tabsChecked = 0;
    try {
      const { page, problems, settled } = await watchedPage(browser, width, app.url, signedIn);
      for (const entry of pages) {
        problems.length = 0;
        const response = await page.goto(`${app.url}${entry.path}`, { waitUntil: 'load' });
        if ((response?.status() ?? 0) >= 400) failures.push(`${entry.path}: HTTP ${response?.status()}`);
        await settled();
        await screenshot(page, `responsive-${width}-${entry.name}`);
        const overflow = await horizontalOverflow(page);
        if (overflow.scrollWidth > overflow.innerWidth + 1) {
          failures.push(`${entry.path}: document ${overflow.scrollWidth} px wide in a ${overflow.innerWidth} px window (${overflow.culprits.join(', ')})`);
        }
        if (entry.tabs && width >= 1280) {
          // At desktop width the whole tab bar shows, no tab cut off behind the scroll shadow.
          const scrolls = await page.evaluate(`(() => { const list = document.querySelector('.fr-tabs__list'); return list.scrollWidth > list.clientWidth + 1; })()`);
          if (scrolls) failures.push(`${entry.path}: the tab bar needs scrolling at ${width} px`);
        }
        if (entry.tabs) {
          const count = await checkTabs(page, entry.path).catch((error: Error) => {
            failures.push(error.message);
            return 0;
          });
          if (count !== entry.tabs) failures.push(`${entry.path}: ${count} tabs checked, ${entry.tabs} expected`);
          tabsChecked += count;
          await screenshot(page, `responsive-${width}-${entry.name}-last-tab`);
        }
        failures.push(...problems.map((problem) => `${entry.path}: ${problem}`));
      }
      await page.context().close();
    } catch (error) {
      failures.push(`stopped at ${width} px: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { failures, tabsChecked };
  }

  // The widths walk the pages side by side, each in its own context (the machine waits on the
  // app, the browser and PostgreSQL in turn): the first test starts both walks, each test checks its own.
  const walks = new Map<number, ReturnType<typeof walkPages>>();
  const walkAt = (width: number) => {
    const walk = walks.get(width) ?? walkPages(width);
    walks.set(width, walk);
    return walk;
  };

  test.each(WIDTHS)('at %i px: no horizontal overflow, every tab reachable, no CSP violation, no outside request', async (width) => {
    expect(CHROMIUM_PATH).toBeTruthy();
    for (const each of WIDTHS) void walkAt(each);
    const { failures, tabsChecked } = await walkAt(width);
    if (pages.some((entry) => entry.tabs)) expect(tabsChecked).toBe(5);
    expect(failures).toEqual([]);
  }, 600_000);

  test('htmx swaps on the organisation form, the search and an organisation page break no CSP', async () => {
    const { page, problems } = await watchedPage(browser, 1280, app.url, signedIn);
    // The organisation form, reached by a boosted link; the commune suggestions swapped in, one chosen.
    await page.goto(`${app.url}/structures`);
    await page.getByRole('link', { name: 'Nouvelle structure' }).first().click();
    await page.waitForURL(`${app.url}/structures/nouveau`);
    await page.getByLabel(/^Commune/).fill('Nantes');
    await page.locator('#commune-suggestions').getByRole('button', { name: /^Nantes \(/ }).click();
    await waitUntil(async () => (await page.locator('input[name="city"]').inputValue()) === 'Nantes', 'the chosen commune in the city field');
    // Choosing a suggestion empties the commune field (text left there would be resolved on save).
    await expect(page.getByLabel(/^Commune/).inputValue()).resolves.toBe('');
    // The header search: suggestions as one types, Enter opens /recherche, a result opens its page.
    await page.locator('#header-search-input').fill('lyon');
    await page.locator('#search-suggestions a').first().waitFor();
    // The panel lies under the search bar, over the page (its placement is in app.css now).
    const [bar, panel] = await Promise.all([page.locator('#header-search').boundingBox(), page.locator('#search-suggestions').boundingBox()]);
    expect(panel && bar && panel.y >= bar.y + bar.height - 1 && panel.x + panel.width <= bar.x + bar.width + 1).toBe(true);
    await screenshot(page, 'responsive-1280-htmx-suggestions');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/recherche\?q=lyon/);
    await page.locator('#search-results a[href^="/structures/"]').first().click();
    await page.waitForURL(/\/structures\/[0-9a-f-]{36}$/);
    await page.locator('.fr-tabs__list [role="tab"]').nth(1).click();
    // And the search again from the organisation page, through the same swaps.
    await page.locator('#header-search-input').fill('universite');
    await page.locator('#search-suggestions a').first().waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/recherche\?q=universite/);
    await page.locator('#search-results a').first().waitFor();
    await screenshot(page, 'responsive-1280-htmx-search');
    expect(problems).toEqual([]);
  });

  test('/admin/files (bull-board) loads nothing from another host and breaks no CSP', async () => {
    const { page, problems } = await watchedPage(browser, 1280, app.url, signedIn);
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const response = await page.goto(`${app.url}/admin/files`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    // The queues' names are shown once bull-board's script has fetched them from its API.
    await page.getByText(/mail/i).first().waitFor();
    await screenshot(page, 'responsive-1280-admin-files');
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((url) => !url.startsWith(app.url) && !url.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
