import { and, eq } from 'drizzle-orm';
import { auditLog, devMailbox, emails, sessions, users } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { TEST_PASSWORD, TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

describe('administering accounts', () => {
  let harness: TestApp;
  let admin: TestBrowser;
  let adminEmail: string;

  beforeAll(async () => {
    harness = await startTestApp({ worker: true });
    const adminUser = await buildUser(harness.db, { roles: ['admin'], displayName: 'Alice Admin' });
    adminEmail = adminUser.email;
    admin = new TestBrowser(harness.app);
    await admin.login(adminEmail);
  });
  afterAll(() => harness.close());

  async function mailTo(address: string) {
    return eventually(async () => {
      const [mail] = await harness.db.select().from(devMailbox).where(eq(devMailbox.toHeader, address));
      return mail;
    });
  }

  test('an admin creates a charge user who receives an invitation email and chooses a password', async () => {
    const uoPro = (await listUnits(harness.db)).find((unit) => unit.code === 'UO-PRO');
    const form = await admin.get('/admin/utilisateurs/nouveau');
    expect(form.status).toBe(200);
    expect(form.text).toContain('UO Pro');

    const created = await admin.post('/admin/utilisateurs/nouveau', {
      email: 'Nina.Charge@passerelle.test',
      displayName: 'Nina Charge',
      roles: ['charge'],
      unitIds: [uoPro?.id ?? ''],
      sendInvitation: 'on',
    });
    expect(created.status).toBe(303);
    const [user] = await harness.db.select().from(users).where(eq(users.email, 'nina.charge@passerelle.test'));
    expect(user?.roles).toEqual(['charge']);
    expect(user?.passwordHash).toBeNull();

    // outbox → BullMQ mail.send → nodemailer → in-process SMTP sink → dev_mailbox
    const mail = await mailTo('nina.charge@passerelle.test');
    expect(mail.subject).toBe('Passerelle : votre compte est prêt, choisissez votre mot de passe');
    const link = /http:\/\/passerelle\.test(\/mot-de-passe\/[A-Za-z0-9_-]+)/.exec(mail.textBody ?? '')?.[1];
    expect(link).toBeDefined();
    const [sent] = await harness.db.select().from(emails).where(eq(emails.toAddress, 'nina.charge@passerelle.test'));
    expect(sent?.status).toBe('sent');
    expect(sent?.payload).toEqual({}); // the one-time link is not kept once delivered

    const nina = new TestBrowser(harness.app);
    const choose = await nina.get(link as string);
    expect(choose.status).toBe(200);
    expect(choose.text).toContain('nina.charge@passerelle.test');
    expect((await nina.post(link as string, { password: 'ma phrase de passe à moi', passwordConfirm: 'ma phrase de passe à moi' })).status).toBe(303);
    expect((await nina.get(link as string)).status).toBe(404);
    expect((await nina.login('nina.charge@passerelle.test', 'ma phrase de passe à moi')).status).toBe(303);

    const list = await admin.get('/admin/utilisateurs?role=charge');
    expect(list.text).toContain('Nina Charge');
    expect(list.text).toContain('UO Pro');
  });

  test('the list filters, sorts and serves the table alone to htmx', async () => {
    await buildUser(harness.db, { roles: ['juriste'], displayName: 'Zoé Juriste', unitCodes: ['DAJ'] });
    const byRole = await admin.get('/admin/utilisateurs?role=juriste');
    const table = byRole.text.split('id="users-table"')[1] ?? '';
    expect(table).toContain('Zoé Juriste');
    expect(table).not.toContain('Alice Admin');
    const fragment = await admin.get('/admin/utilisateurs?q=zo%C3%A9', { 'HX-Request': 'true', 'HX-Target': 'users-table' });
    expect(fragment.status).toBe(200);
    expect(fragment.text).toContain('Zoé Juriste');
    expect(fragment.text).not.toContain('<html');
    const sorted = (await admin.get('/admin/utilisateurs?sort=name&dir=desc')).text.split('id="users-table"')[1] ?? '';
    expect(sorted.indexOf('Zoé Juriste')).toBeGreaterThan(-1);
    expect(sorted.indexOf('Zoé Juriste')).toBeLessThan(sorted.indexOf('Alice Admin'));
    const nonsense = await admin.get('/admin/utilisateurs?role=pirate&sort=drop&page=-3');
    expect(nonsense.status).toBe(200);
  });

  test('invalid input re-renders the form with 422 and loses nothing', async () => {
    const response = await admin.post('/admin/utilisateurs/nouveau', { email: 'pas-une-adresse', displayName: 'Jean Saisie', roles: [] });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Saisissez une adresse électronique valide');
    expect(response.text).toContain('Choisissez au moins un rôle.');
    expect(response.text).toContain('value="Jean Saisie"');
    const duplicate = await admin.post('/admin/utilisateurs/nouveau', { email: adminEmail, displayName: 'Doublon', roles: ['lecteur'] });
    expect(duplicate.status).toBe(422);
    expect(duplicate.text).toContain('Un compte existe déjà avec cette adresse.');
  });

  test('deactivating a user ends their sessions at once, and it is audited', async () => {
    const user = await buildUser(harness.db, { roles: ['charge'] });
    const their = new TestBrowser(harness.app);
    await their.login(user.email);
    expect((await their.get('/compte')).status).toBe(200);

    await admin.get(`/admin/utilisateurs/${user.id}`);
    expect((await admin.post(`/admin/utilisateurs/${user.id}/desactiver`)).status).toBe(303);
    expect(await harness.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
    const after = await their.get('/compte');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);

    const [entry] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, user.id), eq(auditLog.action, 'user.deactivated')));
    expect(entry?.changes.active).toEqual({ before: true, after: false });
    expect(entry?.actorLabel).toContain('Alice Admin');

    const journal = await admin.get(`/admin/journal?entityType=user&entityId=${user.id}`);
    expect(journal.text).toContain('Compte désactivé');

    expect((await admin.post(`/admin/utilisateurs/${user.id}/reactiver`)).status).toBe(303);
    expect((await new TestBrowser(harness.app).login(user.email)).status).toBe(303);
  });

  test('a password reset disables the old password, ends sessions and mails a one-time link', async () => {
    const user = await buildUser(harness.db, { roles: ['finance'] });
    const their = new TestBrowser(harness.app);
    await their.login(user.email);
    await admin.get(`/admin/utilisateurs/${user.id}`);
    const reset = await admin.post(`/admin/utilisateurs/${user.id}/reinitialiser-mot-de-passe`);
    expect(reset.status).toBe(303);
    expect((await their.get('/compte')).status).toBe(303);
    expect((await new TestBrowser(harness.app).login(user.email, TEST_PASSWORD)).status).toBe(422);
    const mail = await mailTo(user.email);
    expect(mail.subject).toContain('nouveau mot de passe');
  });

  test('the last active admin cannot be deactivated or lose the admin role; nobody deactivates themselves', async () => {
    const [me] = await harness.db.select().from(users).where(eq(users.email, adminEmail));
    const self = await admin.post(`/admin/utilisateurs/${me?.id}/desactiver`);
    expect(self.status).toBe(409);
    expect(self.text).toContain('Vous ne pouvez pas désactiver votre propre compte.');
    const dropRole = await admin.post(`/admin/utilisateurs/${me?.id}`, { displayName: 'Alice Admin', roles: ['lecteur'] });
    expect(dropRole.status).toBe(422);
    expect(dropRole.text).toContain('Vous ne pouvez pas retirer votre propre rôle');
  });

  test('roles and units are edited, and the journal shows the difference', async () => {
    const user = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['UO-PRO'] });
    const units = await listUnits(harness.db);
    const daf = units.find((unit) => unit.code === 'DAF');
    await admin.get(`/admin/utilisateurs/${user.id}`);
    const saved = await admin.post(`/admin/utilisateurs/${user.id}`, { displayName: 'Paul Finances', roles: ['finance', 'lecteur'], unitIds: [daf?.id ?? ''] });
    expect(saved.status).toBe(303);
    const [entry] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, user.id), eq(auditLog.action, 'user.updated')));
    expect(entry?.changes.roles).toEqual({ before: ['lecteur'], after: ['finance', 'lecteur'] });
    expect(entry?.changes.displayName?.after).toBe('Paul Finances');
    expect(entry?.changes.unitIds).toBeDefined();
    expect(JSON.stringify(entry?.changes)).not.toContain('passwordHash');
  });

  test('units can be created, renamed, archived and restored', async () => {
    const page = await admin.get('/admin/unites');
    expect(page.text).toContain('Direction des affaires juridiques');
    const bad = await admin.post('/admin/unites', { code: 'a', name: '', kind: 'direction' });
    expect(bad.status).toBe(422);
    expect((await admin.post('/admin/unites', { code: 'dsi', name: 'Direction du numérique', kind: 'direction' })).status).toBe(303);
    const clash = await admin.post('/admin/unites', { code: 'DSI', name: 'Autre', kind: 'direction' });
    expect(clash.status).toBe(422);
    const unit = (await listUnits(harness.db)).find((candidate) => candidate.code === 'DSI');
    expect(unit?.name).toBe('Direction du numérique');
    expect((await admin.post(`/admin/unites/${unit?.id}/archiver`)).status).toBe(303);
    expect((await listUnits(harness.db)).some((candidate) => candidate.code === 'DSI')).toBe(false);
    expect((await admin.post(`/admin/unites/${unit?.id}/restaurer`)).status).toBe(303);
  });
});
