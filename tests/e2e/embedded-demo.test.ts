// The embedded mode as a newcomer runs it (`npm run demo`): boot() with no DATABASE_URL, no
// REDIS_URL, no SMTP_URL — PGlite in an empty DATA_DIR, the private redis-server, the in-process
// SMTP sink — and the demo data loaded at start. In Chromium: a demo chargé submits a convention
// to its circuit, the demo juriste approves her review, the demo admin finds the assignment
// e-mails in /admin/courriels; /readyz answers 200 the whole time. This is the path where the
// mail job once deadlocked PGlite (a transaction held across SMTP to a sink writing to the same
// database): the e-mails must arrive while the app stays ready.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { boot, type RunningProcess } from '../../src/boot';
import { DEMO_PASSWORD } from '../../src/seed/demo-users';
import { expectText, launchBrowser, newPerson, screenshot, signIn } from '../support/e2e';

const YANNICK = 'yannick.legoff@passerelle.example'; // chargé, UO-SUP
const AGATHE = 'agathe.rousseau@passerelle.example'; // juriste
const KARIM = 'karim.benali@passerelle.example'; // finance
const HELOISE = 'heloise.marchand@passerelle.example'; // admin
const CONVENTION = 'Convention d’alternance — Université de Poitiers et CFA académique';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(address && typeof address === 'object' ? address.port : 0));
    });
  });
}

/** Polls /readyz until stopped; every answer is kept. */
function watchReadiness(url: string): { stop(): Promise<Array<{ status: number; body: string }>> } {
  const answers: Array<{ status: number; body: string }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
        answers.push({ status: response.status, body: await response.text() });
      } catch (error) {
        answers.push({ status: 0, body: error instanceof Error ? error.message : String(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    /** Stops polling (once; later calls return the same answers). */
    stop: async () => {
      running = false;
      await loop;
      return answers;
    },
  };
}

describe('embedded mode with the demo data, in the browser', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-e2e-embedded-'));
  let running: RunningProcess;
  let url: string;
  let browser: Browser;
  let readiness: ReturnType<typeof watchReadiness> | undefined;

  beforeAll(async () => {
    // A known port, so that the links in the e-mails (BASE_URL) point to this server.
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    running = await boot(
      { web: true, worker: true, demo: true },
      { NODE_ENV: 'test', DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), BASE_URL: url, LOG_LEVEL: 'silent', HEARTBEAT_SECONDS: '2' },
    );
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await readiness?.stop();
    await browser?.close();
    await running?.shutdown('e2e done');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a demo chargé submits, the demo juriste approves, the assignment e-mails arrive, /readyz stays 200', async () => {
    // PGlite, not PostgreSQL: nothing in the environment points elsewhere.
    expect(running.config.databaseMode).toBe('embedded');
    expect(running.config.REDIS_URL).toBeUndefined();
    expect(running.config.SMTP_URL).toBeUndefined();
    readiness = watchReadiness(url);

    // Yannick submits the alternance draft of his unit.
    const charge = await newPerson(browser);
    await signIn(charge.page, url, YANNICK, DEMO_PASSWORD);
    await charge.page.getByRole('link', { name: 'Conventions' }).first().click();
    await charge.page.getByRole('heading', { name: 'Conventions', exact: true }).waitFor();
    await charge.page.locator('#conventions-results tr', { hasText: CONVENTION }).getByRole('link').first().click();
    await expectText(charge.page.locator('#convention-status'), /Brouillon/i);
    await screenshot(charge.page, 'embedded-01-draft');
    await charge.page.getByRole('button', { name: 'Soumettre au circuit de validation' }).click();
    await expectText(charge.page.locator('#convention-status'), /En revue/i, 15_000);
    await screenshot(charge.page, 'embedded-02-submitted');

    // Agathe approves the legal review from Mes validations.
    const juriste = await newPerson(browser);
    await signIn(juriste.page, url, AGATHE, DEMO_PASSWORD);
    await juriste.page.goto(`${url}/validations`);
    const card = juriste.page.locator('#validations-list [id^="step-"]', { hasText: CONVENTION }).first();
    await expectText(card, 'Revue juridique', 15_000);
    await card.getByLabel(/Commentaire/).fill('Clauses d’alternance conformes.');
    await card.getByRole('button', { name: 'Approuver' }).click();
    await expectText(juriste.page.locator('#validations-list'), 'est enregistrée', 15_000);
    await screenshot(juriste.page, 'embedded-03-juriste-approved');

    // Héloïse (admin) reads the assignment e-mails the submission sent to the juriste and to
    // finance, delivered by the worker through SMTP to the in-process sink.
    const admin = await newPerson(browser);
    await signIn(admin.page, url, HELOISE, DEMO_PASSWORD);
    for (const [to, step] of [[AGATHE, 'Revue juridique'], [KARIM, 'Revue financière']] as const) {
      const found = await findAssignmentMail(admin.page, url, to, step);
      await screenshot(admin.page, `embedded-04-mail-${to.split('.')[0]}`);
      expect(found).toContain(CONVENTION);
      expect(found).toContain(`${url}/validations/etapes/`);
    }
    await admin.page.goto(`${url}/admin/courriels?q=${encodeURIComponent('validation demandée')}`);
    await screenshot(admin.page, 'embedded-05-mailbox');

    const answers = await readiness.stop();
    expect(answers.length).toBeGreaterThan(5);
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect([...charge.problems, ...juriste.problems, ...admin.problems]).toEqual([]);
  }, 120_000);
});

/**
 * Opens, newest first, the « validation demandée — <step> » e-mails sent to `to` until one is
 * about the convention; reloads the mailbox while the worker is still delivering. Returns the
 * text of the e-mail found (or of the last one opened).
 */
async function findAssignmentMail(page: Page, url: string, to: string, step: string): Promise<string> {
  const deadline = Date.now() + 45_000;
  let last = '';
  while (Date.now() < deadline) {
    await page.goto(`${url}/admin/courriels?q=${encodeURIComponent(to)}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const links = page.locator('#mail-table a', { hasText: `validation demandée — ${step}` });
    const hrefs: string[] = [];
    for (let index = 0; index < Math.min(await links.count(), 5); index += 1) hrefs.push((await links.nth(index).getAttribute('href')) ?? '');
    for (const href of hrefs) {
      await page.goto(`${url}${href}`);
      last = await page.locator('.passerelle-mail-text').innerText();
      if (last.includes(CONVENTION)) return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return last;
}
