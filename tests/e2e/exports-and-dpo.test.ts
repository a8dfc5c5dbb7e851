// In Chromium: a lecteur reads the file on screen with no export button; an admin grants the
// « DPO » capability on the user page, and that lecteur then answers a person's access request;
// a chargé downloads one contact's card from the contact page.
import type { Browser } from 'playwright-core';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { expectText, launchBrowser, newPerson, screenshot, signIn, startE2eApp, type E2eApp } from '../support/e2e';
import { buildUser } from '../support/harness';

describe('exports and the DPO capability in the browser', () => {
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

  test('a lecteur has no export; made DPO by an admin, she exports a person’s data; a chargé downloads a card', async () => {
    const db = app.database.db;
    const admin = await buildUser(db, { roles: ['admin'], displayName: 'Adèle Admin' });
    const reader = await buildUser(db, { roles: ['lecteur'], unitCodes: ['DDPSI'], displayName: 'Lou Lectrice' });
    const charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    const org = await buildOrganization(db, { name: 'Lycée Exportable', unitCodes: ['DDPSI'] });
    const person = await buildContact(db, { firstName: 'Inès', lastName: 'Portable', emails: ['ines.portable@exemple.fr'], unitCodes: ['DDPSI'], organizationId: org.id, role: 'Proviseure' });

    // The lecteur reads on screen only.
    const lecteur = await newPerson(browser);
    await signIn(lecteur.page, app.url, reader.email);
    await lecteur.page.goto(`${app.url}/contacts`);
    await lecteur.page.getByRole('link', { name: /Portable/ }).first().waitFor();
    expect(await lecteur.page.getByRole('link', { name: /Exporter|vCard|CSV|XLSX/ }).count()).toBe(0);
    await screenshot(lecteur.page, 'exports-01-lecteur-contacts');
    await lecteur.page.goto(`${app.url}/contacts/${person.id}`);
    await lecteur.page.getByRole('heading', { name: /Inès Portable/ }).waitFor();
    expect(await lecteur.page.getByRole('link', { name: 'Exporter ses données' }).count()).toBe(0);
    expect(await lecteur.page.getByRole('link', { name: 'Télécharger la fiche (vCard)' }).count()).toBe(0);

    // An admin makes her the DPO on her user page.
    const adminPerson = await newPerson(browser);
    await signIn(adminPerson.page, app.url, admin.email);
    await adminPerson.page.goto(`${app.url}/admin/utilisateurs/${reader.id}`);
    await adminPerson.page.getByLabel(/Délégué\(e\) à la protection des données/).check({ force: true });
    await screenshot(adminPerson.page, 'exports-02-grant-dpo');
    await adminPerson.page.getByRole('button', { name: 'Enregistrer' }).click();
    await expectText(adminPerson.page.locator('body'), 'Le compte de Lou Lectrice est modifié.');
    expect(await adminPerson.page.getByLabel(/Délégué\(e\) à la protection des données/).isChecked()).toBe(true);

    // Her next page shows the access export; bulk exports stay closed.
    await lecteur.page.goto(`${app.url}/contacts/${person.id}`);
    await lecteur.page.getByRole('link', { name: 'Exporter ses données' }).click();
    await expectText(lecteur.page.locator('main'), 'ines.portable@exemple.fr');
    await screenshot(lecteur.page, 'exports-03-dpo-access-export');
    expect(await lecteur.page.goto(`${app.url}/contacts/export.csv`).then((response) => response?.status())).toBe(403);

    // A chargé downloads the card from the contact page.
    const chargee = await newPerson(browser);
    await signIn(chargee.page, app.url, charge.email);
    await chargee.page.goto(`${app.url}/contacts/${person.id}`);
    await screenshot(chargee.page, 'exports-04-charge-contact');
    const [download] = await Promise.all([chargee.page.waitForEvent('download'), chargee.page.getByRole('link', { name: 'Télécharger la fiche (vCard)' }).click()]);
    expect(download.suggestedFilename()).toBe('portable-ines.vcf');
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const card = Buffer.concat(chunks).toString('utf8');
    expect(card).toContain('FN:Inès Portable');
    expect(card).toContain('ORG:Lycée Exportable');
    expect(chargee.problems).toEqual([]);
    expect(lecteur.problems.filter((problem) => !problem.includes('403'))).toEqual([]);
  });
});
