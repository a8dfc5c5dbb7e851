import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('request protections', () => {
  let harness: TestApp;
  beforeAll(async () => {
    harness = await startTestApp();
  });
  afterAll(() => harness.close());

  test('a form post without a valid CSRF token gets a 403 French page', async () => {
    const user = await buildUser(harness.db, { roles: ['admin'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    const missing = await browser.post('/admin/unites', { code: 'TEST', name: 'Test', kind: 'direction' }, { csrf: false });
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('Formulaire expiré');
    const forged = await browser.agent.post('/admin/unites').type('form').send({ _csrf: 'forged', code: 'TEST', name: 'Test', kind: 'direction' });
    expect(forged.status).toBe(403);
  });

  test('an htmx request may carry the token in the x-csrf-token header', async () => {
    const user = await buildUser(harness.db, { roles: ['admin'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/admin/unites');
    const response = await browser.agent
      .post('/admin/unites')
      .type('form')
      .set({ 'HX-Request': 'true', 'x-csrf-token': browser.csrfToken })
      .send({ code: 'UO-TEST', name: 'UO Test', kind: 'unite_operationnelle' });
    expect(response.status).toBe(303);
  });

  test('an htmx request without the token is refused into the flash region', async () => {
    const user = await buildUser(harness.db, { roles: ['admin'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    const response = await browser.agent.post('/admin/unites').type('form').set({ 'HX-Request': 'true' }).send({ code: 'X1', name: 'X', kind: 'direction' });
    expect(response.status).toBe(403);
    expect(response.headers['hx-retarget']).toBe('#flash');
    expect(response.text).toContain('fr-alert--error');
  });

  test('pages are served with a strict CSP and no inline script', async () => {
    const response = await new TestBrowser(harness.app).get('/login');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.text).not.toMatch(/\shx-on[:-]/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers.vary).toMatch(/HX-Request/);
  });

  test('versioned static assets are cached for a year', async () => {
    const page = await new TestBrowser(harness.app).get('/login');
    const cssPath = /href="(\/static\/dsfr\/[^"]+\/dsfr\.min\.css)"/.exec(page.text)?.[1];
    expect(cssPath).toBeDefined();
    const css = await new TestBrowser(harness.app).get(cssPath as string);
    expect(css.status).toBe(200);
    expect(String(css.headers['cache-control'])).toMatch(/max-age=31536000.*immutable/);
    const htmxPath = /src="(\/static\/htmx\/[^"]+\/htmx\.min\.js)"/.exec(page.text)?.[1];
    expect((await new TestBrowser(harness.app).get(htmxPath as string)).status).toBe(200);
  });

  test('an unknown page is a French 404, not a crash', async () => {
    const user = await buildUser(harness.db);
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    const response = await browser.get('/nexiste-pas');
    expect(response.status).toBe(404);
    expect(response.text).toContain('Page introuvable');
    const badId = await browser.get('/admin/utilisateurs/pas-un-uuid');
    expect([403, 404]).toContain(badId.status);
  });

  test('health and readiness answer in JSON', async () => {
    const health = await new TestBrowser(harness.app).get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body.ok).toBe(true);
    const ready = await new TestBrowser(harness.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.database.ok).toBe(true);
    expect(ready.body.redis.ok).toBe(true);
    // No worker runs in this harness: the process can serve but reports a degraded state.
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.worker.ok).toBe(false);
  });
});
