// The embedded driver: same migrations, same code path, on PGlite (PostgreSQL in WebAssembly).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { DataDirLockedError, openDatabase, rowsOf, type DatabaseHandle } from '../../src/models/database';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('embedded PGlite database', () => {
  let dataDir: string;
  let handle: DatabaseHandle;
  let harness: TestApp;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-pglite-'));
    handle = await openDatabase({ driver: 'pglite', dataDir });
    await handle.migrate();
    harness = await startTestApp({ database: { db: handle.db, close: async () => undefined } });
  }, 180_000);

  afterAll(async () => {
    await harness.close();
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('migrations create the French search prerequisites and the reference data', async () => {
    const [row] = rowsOf<{ vector: string; plain: string; similarity: number }>(
      await handle.db.execute(
        sql`select to_tsvector('fr_unaccent', 'Université Lumière Lyon 2')::text as vector, immutable_unaccent('Éducation') as plain, similarity('Grenobel', 'Grenoble') as similarity`,
      ),
    );
    expect(row?.vector).toContain("'universit'");
    expect(row?.plain).toBe('Education');
    expect(Number(row?.similarity)).toBeGreaterThan(0.3);
    const [units] = rowsOf<{ total: number }>(await handle.db.execute(sql`select count(*)::int as total from units`));
    expect(units?.total).toBe(8);
  });

  test('a second process cannot open the same data directory', async () => {
    await expect(openDatabase({ driver: 'pglite', dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
  });

  test('smoke path: sign in and manage users on PGlite', async () => {
    const admin = await buildUser(handle.db, { roles: ['admin'] });
    const browser = new TestBrowser(harness.app);
    expect((await browser.login(admin.email)).status).toBe(303);
    await browser.get('/admin/utilisateurs/nouveau');
    const created = await browser.post('/admin/utilisateurs/nouveau', { email: 'lea@passerelle.test', displayName: 'Léa', roles: ['lecteur'] });
    expect(created.status).toBe(303);
    const list = await browser.get('/admin/utilisateurs?q=lea');
    expect(list.text).toContain('lea@passerelle.test');
    expect((await browser.get('/admin/journal')).text).toContain('Compte créé');
  });
});
