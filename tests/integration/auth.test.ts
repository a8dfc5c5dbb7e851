import { eq } from 'drizzle-orm';
import { auditLog, sessions } from '../../src/models/schema';
import { prepareFirstStart } from '../../src/services/auth.service';
import { TEST_PASSWORD, TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('signing in', () => {
  let harness: TestApp;

  beforeAll(async () => {
    harness = await startTestApp({ env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' } });
  });
  afterAll(() => harness.close());

  test('first start without ADMIN_PASSWORD issues a one-time setup link that creates the admin once', async () => {
    const outcome = await prepareFirstStart(await harness.context(), {});
    expect(outcome.kind).toBe('setup_link');
    const link = outcome.kind === 'setup_link' ? outcome.link : '';
    const path = new URL(link).pathname;

    const browser = new TestBrowser(harness.app);
    const form = await browser.get(path);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Création du compte administrateur');

    const mismatch = await browser.post(path, { email: 'admin@passerelle.test', displayName: 'Admin', password: TEST_PASSWORD, passwordConfirm: 'autre chose' });
    expect(mismatch.status).toBe(422);
    expect(mismatch.text).toContain('Les deux mots de passe ne sont pas identiques.');

    const created = await browser.post(path, { email: 'Admin@Passerelle.test ', displayName: 'Admin', password: TEST_PASSWORD, passwordConfirm: TEST_PASSWORD });
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe('/login');

    const reused = await new TestBrowser(harness.app).get(path);
    expect(reused.status).toBe(404);

    const again = await prepareFirstStart(await harness.context(), {});
    expect(again.kind).toBe('already_set_up');

    const login = await browser.login('admin@passerelle.test');
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
  });

  test('a wrong password gets a French message, keeps the email, and is audited', async () => {
    const user = await buildUser(harness.db, { roles: ['lecteur'] });
    const browser = new TestBrowser(harness.app);
    await browser.get('/login');
    const response = await browser.post('/login', { email: user.email, password: 'pas le bon mot de passe' });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Adresse électronique ou mot de passe incorrect.');
    expect(response.text).toContain(`value="${user.email}"`);
    const rows = await harness.db.select().from(auditLog).where(eq(auditLog.entityId, user.id));
    expect(rows.map((row) => row.action)).toContain('auth.login_failed');
  });

  test('login rotates the session id and logout ends the session', async () => {
    const user = await buildUser(harness.db, { roles: ['charge'] });
    const browser = new TestBrowser(harness.app);
    const before = await browser.get('/login');
    const cookieBefore = String(before.headers['set-cookie'] ?? '');
    const login = await browser.post('/login', { email: user.email, password: TEST_PASSWORD });
    const cookieAfter = String(login.headers['set-cookie'] ?? '');
    expect(cookieAfter).toMatch(/passerelle\.sid=/);
    expect(cookieAfter).toMatch(/HttpOnly/i);
    expect(cookieAfter).toMatch(/SameSite=Lax/i);
    expect(cookieAfter.split(';')[0]).not.toBe(cookieBefore.split(';')[0]);

    expect((await browser.get('/compte')).status).toBe(200);
    const logout = await browser.post('/logout');
    expect(logout.status).toBe(303);
    const after = await browser.get('/compte');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login?next=%2Fcompte');
    const remaining = await harness.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(remaining).toHaveLength(0);
  });

  test('idle timeout: the stored expiry moves at most once a minute, and an expired session is signed out', async () => {
    const user = await buildUser(harness.db, { roles: ['charge'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/compte'); // shows (and so changes) any message left by the sign-in
    const expiry = async () => (await harness.db.select().from(sessions).where(eq(sessions.userId, user.id)))[0]?.expiresAt.getTime() ?? 0;
    const idleMs = harness.config.SESSION_IDLE_MINUTES * 60_000;
    const written = await expiry();
    expect(written).toBeGreaterThan(Date.now() + idleMs - 60_000);

    // Within a minute of the last write: no write (the cookie still rolls).
    const page = await browser.get('/compte');
    expect(page.status).toBe(200);
    expect(String(page.headers['set-cookie'] ?? '')).toMatch(/passerelle\.sid=/);
    expect(await expiry()).toBe(written);

    // Last written five minutes ago: the next request pushes it back to now + idle.
    await harness.db.update(sessions).set({ expiresAt: new Date(Date.now() + idleMs - 5 * 60_000) }).where(eq(sessions.userId, user.id));
    expect((await browser.get('/compte')).status).toBe(200);
    expect(await expiry()).toBeGreaterThan(Date.now() + idleMs - 60_000);

    // Past its expiry the session is not read any more: signed out.
    await harness.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.userId, user.id));
    const expired = await browser.get('/compte');
    expect(expired.status).toBe(303);
    expect(expired.headers.location).toBe('/login?next=%2Fcompte');
  });

  test('an account is blocked after too many failures, even with the right password', async () => {
    const user = await buildUser(harness.db);
    const browser = new TestBrowser(harness.app);
    await browser.get('/login');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await browser.post('/login', { email: user.email, password: 'mauvais mot de passe' })).status).toBe(422);
    }
    const blocked = await browser.post('/login', { email: user.email, password: TEST_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Trop de tentatives de connexion pour ce compte');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('a deactivated account cannot sign in', async () => {
    const user = await buildUser(harness.db, { active: false });
    const browser = new TestBrowser(harness.app);
    await browser.get('/login');
    const response = await browser.post('/login', { email: user.email, password: TEST_PASSWORD });
    expect(response.status).toBe(422);
  });

  test('changing one’s password ends the other sessions and keeps the current one', async () => {
    const user = await buildUser(harness.db, { email: 'claire.martin@passerelle.test' });
    const laptop = new TestBrowser(harness.app);
    const phone = new TestBrowser(harness.app);
    await laptop.login(user.email);
    await phone.login(user.email);
    await laptop.get('/compte');

    const tooShort = await laptop.post('/compte/mot-de-passe', { currentPassword: TEST_PASSWORD, password: 'court', passwordConfirm: 'court' });
    expect(tooShort.status).toBe(422);
    expect(tooShort.text).toContain('au moins 12 caractères');

    const wrongCurrent = await laptop.post('/compte/mot-de-passe', { currentPassword: 'faux', password: 'nouvelle phrase secrète', passwordConfirm: 'nouvelle phrase secrète' });
    expect(wrongCurrent.status).toBe(422);
    expect(wrongCurrent.text).toContain('Le mot de passe actuel est incorrect.');

    const changed = await laptop.post('/compte/mot-de-passe', { currentPassword: TEST_PASSWORD, password: 'nouvelle phrase secrète', passwordConfirm: 'nouvelle phrase secrète' });
    expect(changed.status).toBe(303);
    expect((await laptop.get('/compte')).status).toBe(200);
    expect((await phone.get('/compte')).status).toBe(303);

    const relogin = await new TestBrowser(harness.app).login(user.email, 'nouvelle phrase secrète');
    expect(relogin.status).toBe(303);
  });
});
