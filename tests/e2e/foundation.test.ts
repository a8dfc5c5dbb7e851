// The foundation, as people use it in Chromium: the first administrator's setup link, creating
// a chargé·e de partenariat who receives an invitation by email, the 403 page, a forged form,
// the login throttle and a deactivation that ends an open session.
import type { Browser, Page } from 'playwright-core';
import { eventually } from '../support/harness';
import { launchBrowser, expectText, newPerson, screenshot, startE2eApp, type E2eApp } from '../support/e2e';

const ADMIN = { email: 'admin@passerelle.test', name: 'Alice Administratrice', password: 'un mot de passe administrateur' };
const CHARGE = { email: 'camille.charge@passerelle.test', name: 'Camille Chargée', password: 'le mot de passe de Camille' };

async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel(/^Mot de passe/).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Se déconnecter|Déconnexion/ }).first().click();
  await page.waitForURL(/\/login/);
}

describe('foundation in the browser', () => {
  let app: E2eApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startE2eApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('first admin via the setup link, invites a chargé·e who is then refused the admin pages', async () => {
    expect(app.setupLink).toMatch(/\/setup\//);
    const admin = await newPerson(browser);
    admin.page.on('dialog', (dialog) => void dialog.accept());

    // The login page is French and DSFR-styled before anyone exists.
    await admin.page.goto(`${app.url}/login`);
    expect(await admin.page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await admin.page.locator('.fr-header').innerText()).toContain('Passerelle');
    await screenshot(admin.page, '01-login');

    // The one-time setup link creates the first administrator.
    await admin.page.goto(app.setupLink as string);
    await admin.page.getByLabel('Adresse électronique').fill(ADMIN.email);
    await admin.page.getByLabel('Nom affiché').fill(ADMIN.name);
    await admin.page.getByLabel(/^Mot de passe/).fill(ADMIN.password);
    await admin.page.getByLabel('Confirmer le mot de passe').fill(ADMIN.password);
    await screenshot(admin.page, '02-setup');
    await admin.page.getByRole('button', { name: 'Créer' }).click();
    await admin.page.waitForURL(/\/login/);
    // The link is single-use.
    const reuse = await admin.page.goto(app.setupLink as string);
    expect(reuse?.status()).toBe(404);

    await signIn(admin.page, app.url, ADMIN.email, ADMIN.password);
    await admin.page.waitForURL(`${app.url}/`);
    expect(await admin.page.locator('.fr-header').innerText()).toContain(ADMIN.name);

    // Create a chargé·e de partenariat in a unit, with an emailed invitation.
    await admin.page.goto(`${app.url}/admin/utilisateurs`);
    await admin.page.getByRole('link', { name: 'Nouvel utilisateur' }).click();
    await admin.page.getByLabel('Adresse électronique').fill(CHARGE.email);
    await admin.page.getByLabel('Nom affiché').fill(CHARGE.name);
    await admin.page.getByLabel('Chargé·e de partenariat').check({ force: true }); // the DSFR label covers the native box
    await admin.page.getByLabel('DDPSI', { exact: false }).first().check({ force: true }); // the DSFR label covers the native box
    await admin.page.getByLabel('Envoyer un lien pour choisir le mot de passe').check({ force: true }); // the DSFR label covers the native box
    await screenshot(admin.page, '03-new-user');
    await admin.page.getByRole('button', { name: 'Créer' }).click();
    await expectText(admin.page.locator('#flash'), `Le compte de ${CHARGE.name} est créé`);

    // Missing fields: the form comes back with French messages next to the fields.
    await admin.page.goto(`${app.url}/admin/utilisateurs/nouveau`);
    await admin.page.getByRole('button', { name: 'Créer' }).click();
    await admin.page.locator('.fr-message--error').first().waitFor();
    await screenshot(admin.page, '04-new-user-invalid');

    // The invitation arrives in the development mailbox, sent through real SMTP by the worker.
    await admin.page.goto(`${app.url}/admin/courriels`);
    await eventually(async () => {
      await admin.page.reload();
      return (await admin.page.locator('#mail-table').innerText()).includes(CHARGE.email);
    }, 15_000);
    await screenshot(admin.page, '05-mailbox');
    await admin.page.locator('#mail-table').getByRole('link').first().click();
    const mailText = await admin.page.locator('.passerelle-mail-text').innerText();
    const link = /https?:\/\/\S+\/mot-de-passe\/\S+/.exec(mailText)?.[0];
    expect(link).toBeDefined();
    await screenshot(admin.page, '06-invitation');

    // Camille chooses a password with the link, signs in, and is refused the admin pages.
    const camille = await newPerson(browser);
    await camille.page.goto(link as string);
    await camille.page.getByLabel(/^Nouveau mot de passe/).fill(CHARGE.password);
    await camille.page.getByLabel('Confirmer le mot de passe').fill(CHARGE.password);
    await camille.page.getByRole('button', { name: 'Enregistrer' }).click();
    await camille.page.waitForURL(/\/login/);
    await expectText(camille.page.locator('#flash'), 'Votre mot de passe est enregistré');
    await signIn(camille.page, app.url, CHARGE.email, CHARGE.password);
    await camille.page.waitForURL(`${app.url}/`);
    expect(await camille.page.getByRole('link', { name: 'Utilisateurs' }).count()).toBe(0);

    const refused = await camille.page.goto(`${app.url}/admin/utilisateurs`);
    expect(refused?.status()).toBe(403);
    expect((await camille.page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe('Accès refusé');
    await screenshot(camille.page, '07-forbidden');

    // Camille sees her profile and signs out.
    await camille.page.goto(`${app.url}/compte`);
    await expectText(camille.page.locator('main'), CHARGE.email);
    await signOut(camille.page);
    const afterLogout = await camille.page.goto(`${app.url}/compte`);
    expect(afterLogout?.url()).toMatch(/\/login/);

    // Deactivating an account ends its open sessions at once.
    await signIn(camille.page, app.url, CHARGE.email, CHARGE.password);
    await camille.page.waitForURL(`${app.url}/`);
    await admin.page.goto(`${app.url}/admin/utilisateurs`);
    await admin.page.getByRole('link', { name: CHARGE.name }).click();
    await admin.page.getByRole('button', { name: 'Désactiver' }).click();
    await expectText(admin.page.locator('#flash'), 'est désactivé');
    await camille.page.goto(`${app.url}/compte`);
    expect(camille.page.url()).toMatch(/\/login/);

    // Every one of these actions is in the audit journal.
    await admin.page.goto(`${app.url}/admin/journal`);
    await expectText(admin.page.locator('main'), CHARGE.name);
    await screenshot(admin.page, '08-journal');

    expect([...admin.problems, ...camille.problems]).toEqual([]);
    await admin.context.close();
    await camille.context.close();
  });

  test('a form sent without its CSRF token is refused with a French page', async () => {
    const visitor = await newPerson(browser);
    await visitor.page.goto(`${app.url}/login`);
    // Simulate a form posted from another site: the hidden token is not the session's.
    await visitor.page.locator('input[name="_csrf"]').first().evaluate((input) => {
      (input as unknown as { value: string }).value = 'forged-token';
    });
    await visitor.page.getByLabel('Adresse électronique').fill(ADMIN.email);
    await visitor.page.getByLabel(/^Mot de passe/).fill(ADMIN.password);
    const [response] = await Promise.all([
      visitor.page.waitForResponse((candidate) => candidate.request().method() === 'POST'),
      visitor.page.getByRole('button', { name: 'Se connecter' }).click(),
    ]);
    expect(response.status()).toBe(403);
    // The response can arrive before the browser has rendered it: wait for the page's heading.
    await expectText(visitor.page.getByRole('heading', { level: 1 }), 'Formulaire expiré');
    await screenshot(visitor.page, '09-csrf');
    await visitor.context.close();
  });

  test('repeated wrong passwords lock the account for a while, with a French message', async () => {
    const visitor = await newPerson(browser);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await signIn(visitor.page, app.url, ADMIN.email, `mauvais mot de passe ${attempt}`);
      await expectText(visitor.page.locator('main'), /incorrect/i);
    }
    await signIn(visitor.page, app.url, ADMIN.email, ADMIN.password);
    await expectText(visitor.page.locator('main'), 'Trop de tentatives de connexion pour ce compte');
    await screenshot(visitor.page, '10-rate-limited');
    expect(visitor.page.url()).toMatch(/\/login/);
    await visitor.context.close();
  });
});
