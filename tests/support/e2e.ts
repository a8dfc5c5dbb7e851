// End-to-end harness: a real Passerelle process (boot(), as `npm start` runs it) on a fresh
// PostgreSQL database with its own private redis-server and SMTP sink, driven by Debian's
// Chromium through playwright-core. Never downloads a browser.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { boot, type RunningProcess } from '../../src/boot';
import { TEST_PASSWORD, createTestDatabase, type TestDatabase } from './harness';

// jest's `testTimeout` is a global option (the e2e project's own value is ignored): a browser
// scenario walks through several pages on a 2-CPU machine shared with the app and PostgreSQL.
jest.setTimeout(120_000);

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(__dirname, '..', 'e2e', 'screenshots');

export interface E2eApp {
  url: string;
  setupLink: string | undefined;
  database: TestDatabase;
  close(): Promise<void>;
}

/** A free TCP port, so BASE_URL (used in emailed links) is known before the server starts. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startE2eApp(env: Record<string, string> = {}): Promise<E2eApp> {
  const database = await createTestDatabase();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-e2e-'));
  const port = await freePort();
  let running: RunningProcess;
  try {
    running = await boot(
      { web: true, worker: true },
      {
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: String(port),
        BASE_URL: `http://127.0.0.1:${port}`,
        LOG_LEVEL: 'silent',
        HEARTBEAT_SECONDS: '2',
        SESSION_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e',
        ...env,
      },
    );
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    setupLink: running.setupLink,
    database,
    close: async () => {
      await running.shutdown('e2e done');
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium introuvable (${CHROMIUM_PATH}) : apt-get install -y chromium, ou CHROMIUM_PATH=…`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Console lines that are not defects: the browser's own report of an expected HTTP error status
 * (403 page, 422 form, 429). A CSP violation always is one (htmx no longer settles the style
 * attribute: src/views/layouts/main.hbs).
 */
function isKnownBrowserNoise(text: string): boolean {
  return /Failed to load resource: the server responded with a status of (403|404|422|429)/.test(text);
}

/** One browser context per person: separate cookie jars, French locale, Paris time. */
export async function newPerson(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
  // Fail fast with the locator in the message rather than at jest's test timeout.
  context.setDefaultTimeout(15_000);
  // Report CSP violations with the offending element, so a failure says what to fix.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', function (event) {
      var html = event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 160) : '';
      console.error('CSP ' + event.violatedDirective + ' ' + event.sourceFile + ':' + event.lineNumber + ' ' + html);
    });`,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !isKnownBrowserNoise(message.text())) problems.push(`console: ${message.text()}`);
  });
  return { context, page, problems };
}

/** Signs in through the login form like a person, and waits for the dashboard. */
export async function signIn(page: Page, baseUrl: string, email: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel(/^Mot de passe/).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${baseUrl}/`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Polls `check` until it holds. Playwright's `waitForFunction` polls with a function built from a
 * string inside the page, which the app's CSP (no 'unsafe-eval') refuses whenever the first check
 * is not already true: use this with locator calls instead.
 */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the element shows the text (pages settle after htmx swaps and redirects). */
export async function expectText(locator: Locator, text: string | RegExp, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  for (;;) {
    seen = (await locator.first().innerText({ timeout: timeoutMs }).catch(() => '')) ?? '';
    if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) return;
    if (Date.now() > deadline) throw new Error(`expected ${String(text)} in: ${seen.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
