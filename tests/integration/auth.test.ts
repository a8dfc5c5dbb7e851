import { eq } from 'drizzle-orm';
import { Client } from 'pg';
import { auditLog, sessions } from '../../src/models/schema';
import { prepareFirstStart } from '../../src/services/auth.service';
import { safeNext } from '../../src/web/http';
import { TEST_PASSWORD, TestBrowser, buildUser, createTestDatabase, startTestApp, type TestApp } from '../support/harness';
import { TEST_DATABASE_URL } from '../support/env';

// Requests say where they come from (X-Forwarded-For, trusted here) so a test can sign in from several addresses.
const from = (ip: string) => ({ headers: { 'X-Forwarded-For': ip } });

describe('signing in', () => {
  let harness: TestApp;

  beforeAll(async () => {
    harness = await startTestApp({
      env: { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_ACCOUNT: '8', LOGIN_MAX_ATTEMPTS_PER_IP: '8', LOGIN_FIRST_DELAY_SECONDS: '60' },
    });
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

  test('wrong passwords from one address do not lock the owner out from another', async () => {
    const user = await buildUser(harness.db);
    const attacker = new TestBrowser(harness.app);
    await attacker.get('/login');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      statuses.push((await attacker.post('/login', { email: user.email, password: 'mauvais mot de passe' }, from('203.0.113.10'))).status);
    }
    // Three free failures, the fourth starts a wait, the fifth comes during it.
    expect(statuses).toEqual([422, 422, 422, 422, 429]);
    const stillWaiting = await attacker.post('/login', { email: user.email, password: TEST_PASSWORD }, from('203.0.113.10'));
    expect(stillWaiting.status).toBe(429);
    expect(stillWaiting.text).toContain('Trop de mots de passe erronés pour ce compte depuis votre poste');

    const owner = new TestBrowser(harness.app);
    await owner.get('/login');
    const signedIn = await owner.post('/login', { email: user.email, password: TEST_PASSWORD }, from('198.51.100.20'));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/');
  });

  test('each further failure from the same address for the same account waits twice as long', async () => {
    const user = await buildUser(harness.db);
    const browser = new TestBrowser(harness.app);
    await browser.get('/login');
    const ip = '203.0.113.11';
    // The wait is a Redis key; removing it stands for "the person waited" without sleeping.
    const waitOut = async () => {
      const keys = await harness.redis.keys(`${harness.prefix}:login-pair-delay:${ip}|${user.email}`);
      expect(keys).toHaveLength(1);
      await harness.redis.del(...keys);
    };
    for (let attempt = 0; attempt < 4; attempt += 1) {
      expect((await browser.post('/login', { email: user.email, password: 'mauvais' }, from(ip))).status).toBe(422);
    }
    const waits: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const refused = await browser.post('/login', { email: user.email, password: 'mauvais' }, from(ip));
      expect(refused.status).toBe(429);
      waits.push(Number(refused.headers['retry-after']));
      await waitOut();
      expect((await browser.post('/login', { email: user.email, password: 'mauvais' }, from(ip))).status).toBe(422);
    }
    expect(waits[0]).toBeGreaterThan(55);
    expect(waits[0]).toBeLessThanOrEqual(60);
    expect(waits[1]).toBeGreaterThan(115);
    expect(waits[2]).toBeGreaterThan(235);

    // Once the wait is over, the right password works and the address starts afresh.
    await waitOut();
    expect((await browser.post('/login', { email: user.email, password: TEST_PASSWORD }, from(ip))).status).toBe(303);
    expect(await harness.redis.keys(`${harness.prefix}:login-pair*:${ip}|${user.email}`)).toEqual([]);
  });

  test('the per-account ceiling is reached only from many addresses (a distributed attack)', async () => {
    const user = await buildUser(harness.db);
    const browser = new TestBrowser(harness.app);
    await browser.get('/login');
    for (let address = 1; address <= 8; address += 1) {
      expect((await browser.post('/login', { email: user.email, password: 'mauvais mot de passe' }, from(`192.0.2.${address}`))).status).toBe(422);
    }
    const blocked = await browser.post('/login', { email: user.email, password: TEST_PASSWORD }, from('192.0.2.100'));
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Trop de tentatives de connexion pour ce compte');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('successful sign-ins never count against the address; failed ones from it are capped', async () => {
    const user = await buildUser(harness.db);
    const ip = '198.51.100.30';
    for (let signIn = 0; signIn < 10; signIn += 1) {
      const browser = new TestBrowser(harness.app);
      await browser.get('/login');
      expect((await browser.post('/login', { email: user.email, password: TEST_PASSWORD }, from(ip))).status).toBe(303);
    }
    const sprayer = new TestBrowser(harness.app);
    await sprayer.get('/login');
    for (let account = 0; account < 8; account += 1) {
      expect((await sprayer.post('/login', { email: `inconnu${account}@passerelle.test`, password: 'mauvais' }, from(ip))).status).toBe(422);
    }
    const capped = await sprayer.post('/login', { email: user.email, password: TEST_PASSWORD }, from(ip));
    expect(capped.status).toBe(429);
    expect(capped.text).toContain('Trop de tentatives de connexion depuis votre poste');
  });

  test('reset e-mails to one account are capped, whatever the addresses asking, and the answer never changes', async () => {
    const user = await buildUser(harness.db);
    for (let index = 1; index <= 5; index += 1) {
      const browser = new TestBrowser(harness.app);
      await browser.get('/mot-de-passe-oublie', from(`198.51.100.${index}`).headers);
      const asked = await browser.post('/mot-de-passe-oublie', { email: user.email }, from(`198.51.100.${index}`));
      expect([index, asked.status, asked.headers.location]).toEqual([index, 303, '/login']);
    }
    const requested = await harness.db.select().from(auditLog).where(eq(auditLog.entityId, user.id));
    expect(requested.filter((entry) => entry.action === 'user.password_reset_requested')).toHaveLength(3);
  });

  test('the return path after signing in stays on this site', async () => {
    const offSite = [
      '/\\evil.example/phish',
      '/\\/evil.example',
      '\\\\evil.example',
      '//evil.example',
      '///evil.example',
      '/%5Cevil.example',
      '/%5cevil.example',
      '/%2F%2Fevil.example',
      '/%2fevil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/%09/evil.example',
      'https://evil.example/',
      'http:evil.example',
      'javascript:alert(1)',
      '  /structures',
      'structures',
      '/%E0%A4%A',
      '/.//evil.example',
      '/..//evil.example',
      '/%2e%2e//evil.example',
      '/a/..//evil.example',
      '',
    ];
    for (const value of offSite) expect([value, safeNext(value, harness.config.baseUrl)]).toEqual([value, '/']);
    expect(safeNext('/structures?q=lyon&page=2#resultats', harness.config.baseUrl)).toBe('/structures?q=lyon&page=2#resultats');
    expect(safeNext('/conventions/a/../b', harness.config.baseUrl)).toBe('/conventions/b');

    const user = await buildUser(harness.db);
    const browser = new TestBrowser(harness.app);
    const page = await browser.get(`/login?next=${encodeURIComponent('/\\evil.example/phish')}`);
    expect(page.text).toContain('name="next" value="/"');
    const login = await browser.post('/login', { email: user.email, password: TEST_PASSWORD, next: '/\\evil.example/phish' });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const kept = await new TestBrowser(harness.app).post('/login', { email: user.email, password: TEST_PASSWORD, next: '/structures?q=lyon' });
    expect(kept.headers.location).toBe('/structures?q=lyon');
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

describe('while PostgreSQL is unreachable', () => {
  test('every page is a French 503 with Retry-After, and the session survives the outage', async () => {
    const database = await createTestDatabase();
    const harness = await startTestApp({ database: { db: database.db, close: database.drop } });
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const away = `${database.name}_away`;
    try {
      const user = await buildUser(harness.db, { roles: ['charge'] });
      const browser = new TestBrowser(harness.app);
      expect((await browser.login(user.email)).status).toBe(303);
      expect((await browser.get('/compte')).status).toBe(200);

      // The database goes away: its connections are cut and it is renamed (a stopped or moved server).
      await admin.query(`alter database ${database.name} allow_connections false`);
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [database.name]);
      await admin.query(`alter database ${database.name} rename to ${away}`);

      for (const path of ['/compte', '/structures', '/conventions', '/']) {
        const page = await browser.get(path);
        expect([path, page.status]).toEqual([path, 503]);
        expect(page.headers['retry-after']).toBe('10');
        expect(page.text).toContain('Service momentanément indisponible, réessayez dans un instant');
        // Not shown as signed out, and the session cookie is neither replaced nor cleared.
        expect(page.text).not.toContain('href="/login"');
        expect(page.headers['set-cookie']).toBeUndefined();
      }
      const post = await browser.post('/structures/nouveau', { name: 'Pendant la panne' });
      expect(post.status).toBe(503);
      const fragment = await browser.get('/structures', { 'HX-Request': 'true', 'HX-Target': 'organizations-results' });
      expect(fragment.status).toBe(503);
      expect(fragment.text).toContain('Service momentanément indisponible');

      // Back again: the same session carries on, still signed in.
      await admin.query(`alter database ${away} rename to ${database.name}`);
      await admin.query(`alter database ${database.name} allow_connections true`);
      const after = await browser.get('/compte');
      expect(after.status).toBe(200);
      expect(after.text).toContain(user.displayName);
    } finally {
      await admin.query(`alter database ${away} rename to ${database.name}`).catch(() => undefined);
      await admin.query(`alter database ${database.name} allow_connections true`).catch(() => undefined);
      await admin.end();
      await harness.close();
    }
  });
});
