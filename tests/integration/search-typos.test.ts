// One slip in a long, multi-word name (issue 11, « Search after an import »): the typo pass of
// src/models/search.model.ts, on real PostgreSQL (service, suggestions over HTTP, the raw SQL
// the benchmark replays) and on PGlite.
import { Client } from 'pg';
import { openDatabase, type Database, type DatabaseHandle } from '../../src/models/database';
import { parseSearchQuery, searchContacts, searchOrganizations, searchSuggestionsSql } from '../../src/models/search.model';
import type { ServiceContext } from '../../src/services/context';
import { searchDirectory, suggest } from '../../src/services/search.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, createTestDatabase, startTestApp, type TestApp, type TestDatabase } from '../support/harness';

/** Long names as registers spell them, near neighbours that must not be confused with them, and a few short ones. */
async function seedLongNames(db: Database) {
  const cnsmParis = await buildOrganization(db, {
    name: 'Conservatoire national supérieur de musique et de danse de Paris',
    acronym: 'CNSMDP',
    kindCode: 'ecole',
    city: 'Paris',
    regionCode: '11',
  });
  const cnsmLyon = await buildOrganization(db, {
    name: 'Conservatoire national supérieur de musique et de danse de Lyon',
    acronym: 'CNSMD Lyon',
    kindCode: 'ecole',
    city: 'Lyon',
    regionCode: '84',
  });
  await buildOrganization(db, { name: 'Conservatoire à rayonnement régional de Toulouse', kindCode: 'ecole', city: 'Toulouse', regionCode: '76' });
  const ensicaen = await buildOrganization(db, {
    name: "École nationale supérieure d'ingénieurs de Caen",
    acronym: 'ENSICAEN',
    kindCode: 'ecole',
    city: 'Caen',
    regionCode: '28',
  });
  await buildOrganization(db, { name: "École nationale supérieure d'architecture de Nantes", kindCode: 'ecole', city: 'Nantes', regionCode: '52' });
  const dreets = await buildOrganization(db, {
    name: "Direction régionale de l'économie, de l'emploi, du travail et des solidarités Occitanie",
    acronym: 'DREETS Occitanie',
    kindCode: 'institution_publique',
    city: 'Toulouse',
    regionCode: '76',
  });
  await buildOrganization(db, {
    name: "Direction régionale de l'économie, de l'emploi, du travail et des solidarités Bretagne",
    acronym: 'DREETS Bretagne',
    kindCode: 'institution_publique',
    city: 'Rennes',
    regionCode: '53',
  });
  const cci = await buildOrganization(db, { name: "Chambre de commerce et d'industrie de Normandie", kindCode: 'institution_publique', city: 'Caen', regionCode: '28' });
  const inspe = await buildOrganization(db, {
    name: "Institut national supérieur du professorat et de l'éducation de l'académie de Rennes",
    acronym: 'INSPE Bretagne',
    kindCode: 'ecole',
    city: 'Rennes',
    regionCode: '53',
  });
  await buildOrganization(db, { name: 'Lycée du Parc', kindCode: 'lycee', city: 'Lyon', regionCode: '84' });
  await buildOrganization(db, { name: 'Lycée polyvalent Albert Camus', kindCode: 'lycee', city: 'Nîmes', regionCode: '76' });
  await buildOrganization(db, { name: 'Musée national de la Marine', kindCode: 'institution_publique', city: 'Paris', regionCode: '11' });
  await buildOrganization(db, {
    name: 'Conservatoire national supérieur de musique et de danse (ancienne fiche)',
    kindCode: 'ecole',
    city: 'Paris',
    archivedAt: new Date(),
  });

  const thibault = await buildContact(db, { firstName: 'Thibault', lastName: 'Desmarais', jobTitle: 'Chargé de mission', organizationId: dreets.id });
  return { cnsmParis, cnsmLyon, ensicaen, dreets, cci, inspe, thibault };
}

describe('one slip in a long name, on PostgreSQL', () => {
  let harness: TestApp;
  let testDb: TestDatabase;
  let ctx: ServiceContext;
  let seeded: Awaited<ReturnType<typeof seedLongNames>>;
  let browser: TestBrowser;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    harness = await startTestApp({ database: { db: testDb.db, close: testDb.drop } });
    seeded = await seedLongNames(harness.db);
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

  test('« conservatoire natinal superieur de musique » finds both national conservatoires, and only them', async () => {
    const names = await organizationNames('conservatoire natinal superieur de musique');
    expect(names.sort()).toEqual([seeded.cnsmLyon.name, seeded.cnsmParis.name]);
  });

  test('each one-slip query (wrong, missing, extra or swapped letter, any word) puts the right record first', async () => {
    const cases: Array<[string, string]> = [
      // Found by the typo pass only (nothing matches every word as a word or at word similarity 0.6).
      ['conservatoire natinal superieur de musique et de danse de paris', seeded.cnsmParis.name],
      ['conservatoire national superieur de musque et de danse de lyon', seeded.cnsmLyon.name],
      ["ecole natoinale superieure d'ingenieurs de caen", seeded.ensicaen.name],
      ["ecole nationale superieure d'architecture de nantse", "École nationale supérieure d'architecture de Nantes"],
      ["direction regionale de l'economie de l'emploi du travial et des solidarites occitanie", seeded.dreets.name],
      ['institut national superieur du professorat education remnes', seeded.inspe.name],
      // Long words keep enough trigrams for the first statement: still found, still first.
      ['consevatoire national superieur musique danse lyon', seeded.cnsmLyon.name],
      ["chambre de commerce et d'industrie de normandei", seeded.cci.name],
      ['institut national superieur du professorta education rennes', seeded.inspe.name],
      ['lycee polyvalent albert camuss', 'Lycée polyvalent Albert Camus'],
      // Four letters, first three right: word similarity 0.6, the first statement's threshold.
      ['ecole nationale superieure ingenieurs caem', seeded.ensicaen.name],
    ];
    for (const [q, expected] of cases) {
      const names = await organizationNames(q);
      expect({ q, first: names[0] }).toEqual({ q, first: expected });
    }
  });

  test('the slip word must still resemble a word of the name: unrelated or two-slip queries find nothing', async () => {
    expect(await organizationNames('conservatoire xyzwq')).toEqual([]);
    expect(await organizationNames('conservatoire natinal superieur de peinture')).toEqual([]);
    // 'paris' → 'parc' shares its first three letters only: not one slip.
    expect(await organizationNames('lycee paris')).toEqual([]);
    // A slip in a word of four letters or fewer is not left to the typo pass (too little of
    // the word is left), and 'lyin' keeps only two of lyon's first three letters.
    expect(await organizationNames('conservatoire national superieur musique lyin')).toEqual([]);
    expect(await organizationNames('musee natinal musique')).toEqual([]);
  });

  test('a query that matches as words is answered as before: no typo results added, archived records left out', async () => {
    const exact = await searchDirectory(ctx, { q: 'conservatoire', type: 'organizations' });
    expect(exact.organizations.total).toBe(3);
    expect(exact.organizations.rows.map((row) => row.name)).not.toContain('Conservatoire national supérieur de musique et de danse (ancienne fiche)');
    // 'ecole nationale superieure' matches both écoles as words; the DREETS and the INSPE are not added.
    expect((await organizationNames('ecole nationale superieure')).sort()).toEqual([
      "École nationale supérieure d'architecture de Nantes",
      "École nationale supérieure d'ingénieurs de Caen",
    ]);
    const typo = await searchDirectory(ctx, { q: 'conservatoire natinal superieur musique', type: 'organizations' });
    expect(typo.organizations.rows.map((row) => row.name)).not.toContain('Conservatoire national supérieur de musique et de danse (ancienne fiche)');
  });

  test('filters apply to typo results, which paginate; past the last page of a normal search, no typo results', async () => {
    const inRegion = await searchDirectory(ctx, { q: 'conservatoire natinal superieur musique', region: '84' });
    expect(inRegion.organizations.rows.map((row) => row.name)).toEqual([seeded.cnsmLyon.name]);
    const parsed = parseSearchQuery('conservatoire natinal superieur musique');
    const first = await searchOrganizations(harness.db, parsed, {}, { limit: 1, offset: 0 });
    const second = await searchOrganizations(harness.db, parsed, {}, { limit: 1, offset: 1 });
    expect(first.total).toBe(2);
    expect(second.total).toBe(2);
    expect([first.rows[0]?.name, second.rows[0]?.name].sort()).toEqual([seeded.cnsmLyon.name, seeded.cnsmParis.name]);
    // 'conservatoire musique' matches two records as words: its third row does not exist, and
    // the typo pass must not fill it with approximate ones.
    const beyond = await searchOrganizations(harness.db, parseSearchQuery('conservatoire musique'), {}, { limit: 1, offset: 2 });
    expect(beyond).toEqual({ rows: [], total: 0 });
  });

  test('contacts: one slip in a last name', async () => {
    const hits = await searchContacts(harness.db, parseSearchQuery('thibault demsarais'), {}, { limit: 5, offset: 0 });
    expect(hits.rows.map((row) => row.id)).toEqual([seeded.thibault.id]);
    expect((await searchContacts(harness.db, parseSearchQuery('thibault xyzwq'), {}, { limit: 5, offset: 0 })).total).toBe(0);
  });

  test('the header box (htmx fragment) suggests the record despite the slip', async () => {
    const suggestions = await suggest(ctx, { q: 'conservatoire natinal superieur de musique et de danse de paris' });
    expect(suggestions.organizations[0]?.id).toBe(seeded.cnsmParis.id);
    const fragment = await browser.get('/recherche/suggestions?q=conservatoire%20natinal%20superieur%20de%20musique', {
      'HX-Request': 'true',
      'HX-Target': 'search-suggestions',
    });
    expect(fragment.status).toBe(200);
    expect(fragment.text).toContain(`href="/structures/${seeded.cnsmParis.id}"`);
    expect(fragment.text).toContain(`href="/structures/${seeded.cnsmLyon.id}"`);
  });

  test('the exported raw SQL (benchmark baseline): the first statement finds nothing, its fallback the same rows as the app', async () => {
    const client = new Client({ connectionString: testDb.url });
    await client.connect();
    try {
      const [organizationsQuery] = searchSuggestionsSql('conservatoire natinal superieur de musique');
      expect(organizationsQuery?.fallback).toBeDefined();
      expect((await client.query(organizationsQuery?.text ?? '', organizationsQuery?.params)).rowCount).toBe(0);
      const raw = await client.query(organizationsQuery?.fallback?.text ?? '', organizationsQuery?.fallback?.params);
      const viaApp = await suggest(ctx, { q: 'conservatoire natinal superieur de musique' });
      expect(raw.rows.map((row: { id: string }) => row.id)).toEqual(viaApp.organizations.map((row) => row.id));
      expect(raw.rows).toHaveLength(2);
    } finally {
      await client.end();
    }
  });
});

describe('one slip in a long name, on PGlite (embedded mode)', () => {
  let handle: DatabaseHandle;
  let seeded: Awaited<ReturnType<typeof seedLongNames>>;

  beforeAll(async () => {
    handle = await openDatabase({ driver: 'pglite' });
    await handle.migrate();
    seeded = await seedLongNames(handle.db);
  }, 60_000);
  afterAll(() => handle.close());

  test('the same typo pass finds the record and leaves unrelated queries empty', async () => {
    const window = { limit: 5, offset: 0 };
    const paris = await searchOrganizations(handle.db, parseSearchQuery('conservatoire natinal superieur de musique et de danse de paris'), {}, window);
    expect(paris.rows[0]?.id).toBe(seeded.cnsmParis.id);
    const dreets = await searchOrganizations(handle.db, parseSearchQuery('direction regionale economie emploi travial solidarites occitanie'), {}, window);
    expect(dreets.rows[0]?.id).toBe(seeded.dreets.id);
    expect((await searchOrganizations(handle.db, parseSearchQuery('lycee paris'), {}, window)).total).toBe(0);
    const contact = await searchContacts(handle.db, parseSearchQuery('thibault demsarais'), {}, window);
    expect(contact.rows.map((row) => row.id)).toEqual([seeded.thibault.id]);
  });
});
