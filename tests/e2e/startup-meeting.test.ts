// On a phone (390 × 844), a chargée back from a salon logs a meeting with a start-up that is not
// in the directory yet: she opens the header's « + Saisir » → « Rencontre start-up », finds no match for the
// name (htmx suggestions), creates the start-up and its founder, types the meeting and its next
// step, saves once, and lands on the exchange. Screenshots of the filled form and of the result;
// nothing sticks out sideways at 390 px.
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { affiliations, contacts, exchangeContacts, exchangeOrganizations, exchanges, organizations, tasks } from '../../src/models/schema';
import { expectText, launchBrowser, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { buildUser } from '../support/harness';
import { siretOf } from '../support/register-files';

/** The document's width against the window's (a string: this project's TypeScript has no DOM types). */
async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })');
}

describe('start-up meeting on a phone', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('a new start-up, a new contact and a next step, saved once, at 390 px', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    const known = await buildOrganization(db, { name: 'Mentorelle', kindCode: 'startup' });
    const founder = await buildContact(db, { firstName: 'Lou', lastName: 'Kerbrat', organizationId: known.id });
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await signIn(page, app.url, charge.email);

    // « + Saisir » of the header: on a phone, inside the menu.
    await page.locator('#button-menu').click();
    await page.locator('#modal-menu').getByRole('link', { name: 'Saisir' }).click();
    await page.waitForURL(`${app.url}/echanges/saisir`);
    await page.getByRole('link', { name: 'Rencontre start-up' }).click();
    await page.waitForURL(`${app.url}/echanges/rencontre-startup`);
    await page.getByRole('heading', { name: 'Rencontre avec une start-up' }).waitFor();

    // An organisation already in the directory is suggested; choosing it proposes its contacts and
    // hides the new organisation's fields (CSS only); « Nouvelle structure » brings them back.
    await page.getByLabel(/Chercher une structure existante/).fill('Mentor');
    await page.locator(`#organizationId-${known.id}`).waitFor();
    await page.locator(`label[for="organizationId-${known.id}"]`).click();
    await page.locator(`#contactId-${founder.id}`).waitFor();
    expect(await page.locator('#new-organization').isVisible()).toBe(false);
    await page.locator('label[for="organizationId-new"]').click();
    expect(await page.locator('#new-organization').isVisible()).toBe(true);

    // 1. No such organisation yet: the suggestions say so.
    await page.getByLabel(/Chercher une structure existante/).fill('Hypatie');
    await expectText(page.locator('#organization-choices'), 'Aucune structure trouvée');
    await page.locator('#field-orgName').fill('Hypatie Learning');
    expect(await page.locator('#field-orgKindCode').inputValue()).toBe('startup');
    await page.locator('#field-orgWebsite').fill('hypatie-learning.example.fr');
    await page.locator('#field-orgSiren').fill(siretOf(5201).slice(0, 9));
    // 2. Its founder.
    await page.locator('#field-contactFirstName').fill('Noémie');
    await page.locator('#field-contactLastName').fill('Arnaud');
    await page.locator('#field-contactRole').fill('Fondatrice');
    await page.locator('#field-contactEmail').fill('noemie@hypatie-learning.example.fr');
    await page.locator('#field-contactPhone').fill('06 11 22 33 44');
    // 3. The meeting (a rendez-vous now by default).
    await page.locator('#field-kind').selectOption('salon');
    await page.locator('#field-place').fill('Salon Educatech, stand C4');
    await page.locator('#field-summary').fill('Plateforme de révisions en mathématiques pour le lycée');
    await page.locator('#field-notes').fill('Cherchent deux lycées pilotes.\nDémo : https://hypatie-learning.example.fr/demo');
    await page.locator('#field-outcome').selectOption('a_relancer');
    await page.locator('#field-tags').fill('edtech, mathématiques');
    // 4. The next step.
    await page.locator('#field-nextStepTitle').fill('Proposer deux lycées pilotes');
    await page.locator('#field-nextStepDueOn').fill('2026-12-18');

    const form = await horizontalOverflow(page);
    expect(form.scrollWidth).toBeLessThanOrEqual(form.innerWidth);
    await screenshot(page, 'startup-meeting-01-form-390');

    await page.getByRole('button', { name: 'Enregistrer la rencontre' }).click();
    await page.waitForURL(/\/echanges\/[0-9a-f-]{36}$/);
    await expectText(page.locator('body'), 'Rencontre consignée avec « Hypatie Learning », et la tâche « Proposer deux lycées pilotes » créée.');
    await expectText(page.locator('main'), 'Plateforme de révisions en mathématiques pour le lycée');
    const result = await horizontalOverflow(page);
    expect(result.scrollWidth).toBeLessThanOrEqual(result.innerWidth);
    await screenshot(page, 'startup-meeting-02-result-390');

    // Four records, linked together.
    const exchangeId = page.url().split('/').pop() ?? '';
    const [exchange] = await db.select().from(exchanges).where(eq(exchanges.id, exchangeId));
    expect(exchange).toMatchObject({ kind: 'salon', outcome: 'a_relancer', authorId: charge.id });
    const [organization] = await db.select().from(organizations).where(eq(organizations.name, 'Hypatie Learning'));
    expect(organization).toMatchObject({ kindCode: 'startup', website: 'https://hypatie-learning.example.fr' });
    const [contact] = await db.select().from(contacts).where(eq(contacts.lastName, 'Arnaud'));
    expect(contact?.phones).toEqual(['+33611223344']);
    expect((await db.select().from(affiliations).where(eq(affiliations.contactId, contact?.id ?? '')))[0]?.organizationId).toBe(organization?.id);
    expect((await db.select().from(exchangeOrganizations).where(eq(exchangeOrganizations.exchangeId, exchangeId)))[0]?.organizationId).toBe(organization?.id);
    expect((await db.select().from(exchangeContacts).where(eq(exchangeContacts.exchangeId, exchangeId)))[0]?.contactId).toBe(contact?.id);
    const [task] = await db.select().from(tasks).where(eq(tasks.exchangeId, exchangeId));
    expect(task).toMatchObject({ title: 'Proposer deux lycées pilotes', dueOn: '2026-12-18', assigneeId: charge.id, organizationId: organization?.id });
    expect(problems).toEqual([]);
    await context.close();
  });
});
