// Issue 13 — partner e-mail: a partner opens the unsubscribe link of an e-mail in Chromium (the
// GET only asks; the one button unsubscribes), then the chargée sees the opt-out with its date and
// source on the contact page and lifts it at the person's request. Screenshots at 1280 and 390 px.
import type { Browser, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { signToken } from '../../src/lib/signed-tokens';
import { contacts } from '../../src/models/schema';
import { signingKey } from '../../src/models/signing-key.model';
import { buildContact } from '../support/directory-fixtures';
import { buildUser } from '../support/harness';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, waitUntil, type E2eApp } from '../support/e2e';

async function bothWidths(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('unsubscribe link and the contact page', () => {
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

  test('the partner confirms on the page; the chargée sees the opt-out and lifts it', async () => {
    const db = app.database.db;
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Lefèvre' });
    const contact = await buildContact(db, { firstName: 'Inès', lastName: 'Moreau', emails: ['ines.moreau@creps-bretagne.fr'], ownerId: charge.id, unitCodes: ['DDPSI'] });
    const token = signToken(await signingKey(db), { purpose: 'unsubscribe', subject: contact.id });
    const optOutOf = async () => (await db.select({ optOut: contacts.emailOptOut }).from(contacts).where(eq(contacts.id, contact.id)))[0]?.optOut;

    // The partner, without an account.
    const partner = await newPerson(browser);
    await partner.page.goto(`${app.url}/desabonnement/${token}`);
    await expectText(partner.page.locator('main'), 'Ne plus recevoir nos courriels');
    await expectText(partner.page.locator('main'), 'i••••••@creps-bretagne.fr');
    await bothWidths(partner.page, 'unsubscribe-01-confirm');
    expect(await optOutOf()).toBe(false);
    await partner.page.getByRole('button', { name: 'Me désabonner' }).click();
    await expectText(partner.page.locator('main'), 'Vous êtes désabonné');
    await bothWidths(partner.page, 'unsubscribe-02-done');
    expect(await optOutOf()).toBe(true);

    await partner.page.goto(`${app.url}/desabonnement/${token.slice(0, -3)}xyz`);
    await expectText(partner.page.locator('main'), 'Lien de désabonnement invalide');
    await bothWidths(partner.page, 'unsubscribe-03-invalid');
    // The invalid link's page is answered with 400 on purpose; nothing else may show in the console.
    expect(partner.problems.filter((problem) => !problem.includes('status of 400'))).toEqual([]);

    // The chargée.
    const user = await newPerson(browser);
    await signIn(user.page, app.url, charge.email);
    await user.page.goto(`${app.url}/contacts/${contact.id}`);
    const block = user.page.locator('#partner-mail');
    await expectText(block, /Ce contact s’est désabonné des courriels le \d\d\/\d\d\/\d{4} \(lien de désabonnement\)\./);
    await block.scrollIntoViewIfNeeded();
    await bothWidths(user.page, 'unsubscribe-04-contact-opted-out');
    user.page.once('dialog', (dialog) => void dialog.accept());
    await block.getByRole('button', { name: 'Réautoriser les courriels' }).click();
    await expectText(user.page.locator('#flash'), 'Le contact peut de nouveau recevoir des courriels.');
    await waitUntil(async () => (await optOutOf()) === false, 'the opt-out is lifted');
    await expectText(user.page.locator('#partner-mail'), 'Peut recevoir les invitations et rappels');
    await bothWidths(user.page, 'unsubscribe-05-contact-allowed');
    expect(user.problems).toEqual([]);
  }, 60_000);
});
