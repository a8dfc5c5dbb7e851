// Directory search on real PostgreSQL (ranking, identifiers, exclusions, HTTP) and once on PGlite.
import { eq } from 'drizzle-orm';
import { Client } from 'pg';
import { openDatabase, type Database, type DatabaseHandle } from '../../src/models/database';
import { organizations } from '../../src/models/schema';
import { parseSearchQuery, searchContacts, searchOrganizations, searchSuggestionsSql } from '../../src/models/search.model';
import type { ServiceContext } from '../../src/services/context';
import { searchDirectory, suggest } from '../../src/services/search.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, createTestDatabase, startTestApp, type TestApp, type TestDatabase } from '../support/harness';

/** The same small directory on either database. */
async function seedDirectory(db: Database) {
  const lyon2 = await buildOrganization(db, {
    name: 'Université Lumière Lyon 2',
    kindCode: 'universite',
    city: 'Lyon',
    regionCode: '84',
    departmentCode: '69',
    siren: '196917744',
    siret: '19691774400019',
    uai: ['0691775E'],
    email: 'relations.partenaires@univ-lyon2.fr',
    tags: ['hybridation', 'formation continue'],
  });
  await buildOrganization(db, { name: 'Université Claude Bernard Lyon 1', kindCode: 'universite', city: 'Villeurbanne', regionCode: '84' });
  await buildOrganization(db, { name: 'Université Jean Moulin Lyon 3', kindCode: 'universite', city: 'Lyon', regionCode: '84' });
  await buildOrganization(db, { name: 'Lycée du Parc', kindCode: 'lycee', city: 'Lyon', regionCode: '84' });
  await buildOrganization(db, { name: 'Institut national des sciences appliquées de Lyon', acronym: 'INSA Lyon', kindCode: 'ecole', city: 'Villeurbanne', regionCode: '84' });
  const creps = await buildOrganization(db, { name: 'CREPS de Toulouse', kindCode: 'creps', city: 'Toulouse', regionCode: '76' });
  await buildOrganization(db, { name: 'CREPS de Montpellier', kindCode: 'creps', city: 'Montpellier', regionCode: '76' });
  await buildOrganization(db, { name: 'Université Toulouse Capitole', kindCode: 'universite', city: 'Toulouse', regionCode: '76' });
  const uga = await buildOrganization(db, { name: 'Université Grenoble Alpes', acronym: 'UGA', kindCode: 'universite', city: "Saint-Martin-d'Hères", regionCode: '84' });
  await buildOrganization(db, { name: 'Grenoble École de Management', acronym: 'GEM', kindCode: 'ecole', city: 'Grenoble', regionCode: '84' });
  await buildOrganization(db, { name: 'Union des groupements d’achats publics', acronym: 'UGAP', kindCode: 'institution_publique', city: 'Champs-sur-Marne', regionCode: '11' });
  await buildOrganization(db, { name: 'Université Lyon Archivée', kindCode: 'universite', city: 'Lyon', archivedAt: new Date() });
  const kept = await buildOrganization(db, { name: 'Campus connecté de Mende', kindCode: 'tiers_lieu', city: 'Mende', tags: ['hybridation'] });
  await buildOrganization(db, { name: 'Campus connecté Mende (doublon)', kindCode: 'tiers_lieu', city: 'Mende', mergedIntoId: kept.id });

  const helene = await buildContact(db, {
    firstName: 'Hélène',
    lastName: 'Dupré',
    jobTitle: 'Directrice des partenariats',
    emails: ['helene.dupre@univ-lyon2.fr'],
    organizationId: lyon2.id,
  });
  await buildContact(db, { firstName: 'Hélène', lastName: 'Effacée', erasedAt: new Date() });
  await buildContact(db, { firstName: 'Hélène', lastName: 'Archivée', archivedAt: new Date() });
  await buildContact(db, { firstName: 'Marc', lastName: 'Lefèvre', jobTitle: 'Conseiller sportif', organizationId: creps.id });
  return { lyon2, creps, uga, helene };
}

describe('directory search on PostgreSQL', () => {
  let harness: TestApp;
  let ctx: ServiceContext;
  let seeded: Awaited<ReturnType<typeof seedDirectory>>;
  let browser: TestBrowser;

  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    harness = await startTestApp({ database: { db: testDb.db, close: testDb.drop } });
    seeded = await seedDirectory(harness.db);
    const reader = await buildUser(harness.db, { roles: ['lecteur'] });
    ctx = await harness.context(reader);
    browser = new TestBrowser(harness.app);
    await browser.login(reader.email);
  });
  afterAll(() => harness.close());

  async function organizationNames(q: string): Promise<string[]> {
    const page = await searchDirectory(ctx, { q, type: 'organizations' });
    return page.organizations.rows.map((row) => row.name);
  }

  test("'universite lyon' ranks Université Lumière Lyon 2 first among the Lyon universities, and no school or lycée", async () => {
    const names = await organizationNames('universite lyon');
    expect(names[0]).toBe('Université Lumière Lyon 2');
    expect(names).toEqual(expect.arrayContaining(['Université Claude Bernard Lyon 1', 'Université Jean Moulin Lyon 3']));
    expect(names).not.toContain('Lycée du Parc');
    expect(names).not.toContain('Université Grenoble Alpes');
  });

  test("'creps toulouse' finds the CREPS de Toulouse first, not Montpellier's", async () => {
    const names = await organizationNames('creps toulouse');
    expect(names[0]).toBe('CREPS de Toulouse');
    expect(names).not.toContain('CREPS de Montpellier');
  });

  test("a typo ('Grenobel') still finds Grenoble through trigram similarity", async () => {
    const names = await organizationNames('Grenobel');
    expect(names[0]).toBe('Université Grenoble Alpes');
    expect(names).toContain('Grenoble École de Management');
  });

  test('an exact acronym comes first, whatever the case', async () => {
    expect((await organizationNames('UGA'))[0]).toBe('Université Grenoble Alpes');
    expect((await organizationNames('uga'))[0]).toBe('Université Grenoble Alpes');
    expect(await organizationNames('uga')).toContain('Union des groupements d’achats publics');
  });

  test('finds an organisation by SIRET, SIREN, UAI, email, city and tag', async () => {
    expect(await organizationNames('19691774400019')).toEqual(['Université Lumière Lyon 2']);
    expect(await organizationNames('196 917 744')).toEqual(['Université Lumière Lyon 2']);
    expect(await organizationNames('0691775e')).toEqual(['Université Lumière Lyon 2']);
    expect(await organizationNames('relations.partenaires@univ-lyon2.fr')).toEqual(['Université Lumière Lyon 2']);
    expect(await organizationNames('relations.partenaires@univ')).toEqual(['Université Lumière Lyon 2']);
    expect((await organizationNames('villeurbanne')).sort()).toEqual(['Institut national des sciences appliquées de Lyon', 'Université Claude Bernard Lyon 1']);
    expect(await organizationNames('hybridation')).toEqual(expect.arrayContaining(['Université Lumière Lyon 2', 'Campus connecté de Mende']));
  });

  test('leaves out archived and merged organisations, and erased or archived contacts', async () => {
    expect(await organizationNames('archivee')).toEqual([]);
    expect(await organizationNames('campus connecte mende')).toEqual(['Campus connecté de Mende']);
    const page = await searchDirectory(ctx, { q: 'helene', type: 'contacts' });
    expect(page.contacts.rows.map((row) => `${row.firstName} ${row.lastName}`)).toEqual(['Hélène Dupré']);
  });

  test("finds contacts without accents ('helene'), by email and by job title, with their organisation", async () => {
    const page = await searchDirectory(ctx, { q: 'helene dupre' });
    expect(page.contacts.rows[0]).toMatchObject({ id: seeded.helene.id, jobTitle: 'Directrice des partenariats', organizationName: 'Université Lumière Lyon 2' });
    expect((await searchDirectory(ctx, { q: 'helene.dupre@univ-lyon2.fr' })).contacts.rows.map((row) => row.lastName)).toEqual(['Dupré']);
    expect((await searchDirectory(ctx, { q: 'directrice partenariats' })).contacts.rows.map((row) => row.lastName)).toEqual(['Dupré']);
    expect((await searchDirectory(ctx, { q: 'Lefevre' })).contacts.rows[0]?.organizationName).toBe('CREPS de Toulouse');
  });

  test('filters by kind and region, counts per group and ignores malformed parameters', async () => {
    const universities = await searchDirectory(ctx, { q: 'lyon', kind: 'universite' });
    expect(universities.organizations.rows.every((row) => row.kindLabel === 'Université')).toBe(true);
    expect(universities.organizations.total).toBe(3);
    expect((await searchDirectory(ctx, { q: 'creps', region: '76' })).organizations.total).toBe(2);
    expect((await searchDirectory(ctx, { q: 'creps', region: '84' })).organizations.total).toBe(0);
    // Contacts through their current organisation.
    expect((await searchDirectory(ctx, { q: 'lefevre', region: '76', kind: 'creps' })).contacts.rows.map((row) => row.lastName)).toEqual(['Lefèvre']);
    expect((await searchDirectory(ctx, { q: 'lefevre', region: '84' })).contacts.total).toBe(0);
    const odd = await searchDirectory(ctx, { q: 'lyon', type: 'pirates', kind: "x'; drop", region: 'ZZ', page: '-4' });
    expect(odd.query).toMatchObject({ type: 'all', kind: undefined, region: undefined, page: 1 });
    expect(odd.organizations.total).toBeGreaterThan(0);
  });

  test('suggestions: up to five per group, nothing for one character', async () => {
    const suggestions = await suggest(ctx, { q: 'univ' });
    expect(suggestions.organizations.length).toBeLessThanOrEqual(5);
    expect(suggestions.organizationTotal).toBe(6);
    expect((await suggest(ctx, { q: 'u' })).tooShort).toBe(true);
  });

  test('the suggestions fragment over HTTP links organisations and contacts, and the full page works without JS', async () => {
    const fragment = await browser.get('/recherche/suggestions?q=lyon%202', { 'HX-Request': 'true', 'HX-Target': 'search-suggestions' });
    expect(fragment.status).toBe(200);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).toContain(`href="/structures/${seeded.lyon2.id}"`);
    expect(fragment.text).toContain('Université Lumière Lyon 2');
    expect(fragment.text).not.toContain('Jean Moulin Lyon 3');
    expect(fragment.text).toContain('href="/recherche?q&#x3D;lyon+2"');
    const contacts = await browser.get('/recherche/suggestions?q=helene', { 'HX-Request': 'true' });
    expect(contacts.text).toContain(`href="/contacts/${seeded.helene.id}"`);
    expect(contacts.text).toContain('Directrice des partenariats · Université Lumière Lyon 2');
    expect((await browser.get('/recherche/suggestions?q=')).text.trim()).toBe('');

    const page = await browser.get('/recherche?q=creps%20toulouse');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
    expect(page.text).toContain('id="header-search-input"');
    expect(page.text).toContain('CREPS de Toulouse');
    expect(page.text).toContain('Structures (1)');
    expect(page.text).toContain('>Structures, contacts et échanges</option>');
    expect(page.text).toContain('>CREPS / centre sportif</option>');
    expect(page.text).toContain('>Occitanie</option>');
    const results = await browser.get('/recherche?q=lyon&type=organizations', { 'HX-Request': 'true', 'HX-Target': 'search-results' });
    expect(results.text.trimStart().startsWith('<div id="search-results"')).toBe(true);
    expect(results.text).toContain('Université Lumière Lyon 2');
  });

  test('anonymous visitors are sent to the login page and see no search box', async () => {
    const anonymous = new TestBrowser(harness.app);
    const response = await anonymous.get('/recherche/suggestions?q=lyon');
    expect(response.status).toBe(303);
    expect(response.headers.location).toMatch(/^\/login/);
    expect((await anonymous.get('/recherche?q=lyon')).headers.location).toMatch(/^\/login/);
    expect((await anonymous.get('/login')).text).not.toContain('header-search-input');
  });

  test('the exported raw SQL (the benchmark baseline) runs as is through pg and returns the same rows', async () => {
    const client = new Client({ connectionString: testDb.url });
    await client.connect();
    try {
      const [organizationsQuery, contactsQuery] = searchSuggestionsSql('universite lyon');
      const raw = await client.query(organizationsQuery?.text ?? '', organizationsQuery?.params);
      const viaApp = await suggest(ctx, { q: 'universite lyon' });
      expect(raw.rows.map((row: { id: string }) => row.id)).toEqual(viaApp.organizations.map((row) => row.id));
      expect((await client.query(contactsQuery?.text ?? '', contactsQuery?.params)).rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe('directory search on PGlite (embedded mode)', () => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = await openDatabase({ driver: 'pglite' });
    await handle.migrate();
    await seedDirectory(handle.db);
  }, 60_000);
  afterAll(() => handle.close());

  test('the same statements rank, fuzzy-match and exclude the same way', async () => {
    const window = { limit: 5, offset: 0 };
    const lyon = await searchOrganizations(handle.db, parseSearchQuery('universite lyon'), {}, window);
    expect(lyon.rows[0]?.name).toBe('Université Lumière Lyon 2');
    expect(lyon.rows.map((row) => row.name)).not.toContain('Université Lyon Archivée');
    const typo = await searchOrganizations(handle.db, parseSearchQuery('Grenobel'), {}, window);
    expect(typo.rows[0]?.name).toBe('Université Grenoble Alpes');
    const contacts = await searchContacts(handle.db, parseSearchQuery('helene'), {}, window);
    expect(contacts.rows.map((row) => row.lastName)).toEqual(['Dupré']);
    const [archived] = await handle.db.select().from(organizations).where(eq(organizations.name, 'Université Lyon Archivée'));
    expect(archived?.archivedAt).not.toBeNull();
  });
});
