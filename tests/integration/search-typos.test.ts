// One slip in a long, multi-word name (issue 11, « Search after an import »): the typo pass of
// src/models/search.model.ts, on real PostgreSQL (service, suggestions over HTTP, the raw SQL
// the benchmark replays) and on PGlite.
import { Client } from 'pg';
import { openDatabase, type Database, type DatabaseHandle } from '../../src/models/database';
import { parseSearchQuery, searchOrganizations, searchSuggestionsSql } from '../../src/models/search.model';
import { actorOf } from '../../src/services/auth.service';
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
    // The model's two passes, as the service chains them, one row per page.
    const parsed = parseSearchQuery('conservatoire natinal superieur musique');
    expect(await searchOrganizations(harness.db, parsed, {}, { limit: 1, offset: 0 })).toEqual({ rows: [], total: 0 });
    const first = await searchOrganizations(harness.db, parsed, {}, { limit: 1, offset: 0 }, 'typo');
    const second = await searchOrganizations(harness.db, parsed, {}, { limit: 1, offset: 1 }, 'typo');
    expect(first.total).toBe(2);
    expect(second.total).toBe(2);
    expect([first.rows[0]?.name, second.rows[0]?.name].sort()).toEqual([seeded.cnsmLyon.name, seeded.cnsmParis.name]);
    // 'conservatoire musique' matches two records as words: its third row does not exist, and
    // the typo pass must not fill it with approximate ones.
    const words = parseSearchQuery('conservatoire musique');
    expect(await searchOrganizations(harness.db, words, {}, { limit: 1, offset: 2 })).toEqual({ rows: [], total: 0 });
    expect(await searchOrganizations(harness.db, words, {}, { limit: 1, offset: 2 }, 'typo')).toEqual({ rows: [], total: 0 });
    const page = await searchDirectory(ctx, { q: 'conservatoire musique', type: 'organizations', page: 2 });
    expect(page.page).toBe(1);
    expect(page.organizations.total).toBe(2);
  });

  test('contacts: one slip in a last name', async () => {
    const page = await searchDirectory(ctx, { q: 'thibault demsarais' });
    expect(page.contacts.rows.map((row) => row.id)).toEqual([seeded.thibault.id]);
    expect(page.organizations.total).toBe(0);
    expect((await searchDirectory(ctx, { q: 'thibault xyzwq' })).contacts.total).toBe(0);
  });

  test('typo results never mix with exact ones: a match in any group shown leaves the others without typo pass', async () => {
    await buildContact(harness.db, { firstName: 'Inès', lastName: 'Desmarais', jobTitle: 'Conseil en formation' });
    const desmerais = await buildOrganization(harness.db, { name: 'Desmerais Conseil', kindCode: 'entreprise', city: 'Albi', regionCode: '76' });
    // On its own, the organisations' typo pass finds « Desmerais Conseil » (one slip, word similarity 0.54, under the words pass's 0.6)…
    const parsed = parseSearchQuery('desmarais conseil');
    expect((await searchOrganizations(harness.db, parsed, {}, { limit: 5, offset: 0 }, 'typo')).rows.map((row) => row.id)).toEqual([desmerais.id]);
    // …but Inès Desmarais matches every word: the answer is hers alone, in the box and on the page.
    const suggestions = await suggest(ctx, { q: 'desmarais conseil' });
    expect(suggestions.contacts.map((row) => row.lastName)).toEqual(['Desmarais']);
    expect(suggestions.organizations).toEqual([]);
    const page = await searchDirectory(ctx, { q: 'desmarais conseil' });
    expect(page.organizations.total).toBe(0);
    // Organisations only: then nothing else is shown, and the typo pass answers.
    expect((await organizationNames('desmarais conseil'))).toEqual(['Desmerais Conseil']);
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

  test('the exported raw SQL (benchmark baseline): the first statements find nothing, the fallback the same rows as the app', async () => {
    const client = new Client({ connectionString: testDb.url });
    await client.connect();
    try {
      const [organizationsQuery, contactsQuery] = searchSuggestionsSql('conservatoire natinal superieur de musique');
      expect(organizationsQuery?.fallback).toBeDefined();
      expect((await client.query(organizationsQuery?.text ?? '', organizationsQuery?.params)).rowCount).toBe(0);
      expect((await client.query(contactsQuery?.text ?? '', contactsQuery?.params)).rowCount).toBe(0);
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
    const reader = await buildUser(handle.db, { roles: ['lecteur'] });
    const ctx: ServiceContext = { db: handle.db, actor: await actorOf(handle.db, reader), now: new Date(), baseUrl: 'http://passerelle.test' };
    const paris = await suggest(ctx, { q: 'conservatoire natinal superieur de musique et de danse de paris' });
    expect(paris.organizations[0]?.id).toBe(seeded.cnsmParis.id);
    const dreets = await searchDirectory(ctx, { q: 'direction regionale economie emploi travial solidarites occitanie' });
    expect(dreets.organizations.rows[0]?.id).toBe(seeded.dreets.id);
    expect((await searchDirectory(ctx, { q: 'lycee paris' })).organizations.total).toBe(0);
    const contact = await searchDirectory(ctx, { q: 'thibault demsarais' });
    expect(contact.contacts.rows.map((row) => row.id)).toEqual([seeded.thibault.id]);
  });
});
