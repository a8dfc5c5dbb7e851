// The exchanges list (/echanges): each filter, the sort, the pages, French full-text search on
// summaries and notes, confidentiality (an outsider never sees a confidential exchange, nor
// counts it, nor finds it in the header search), the exports and their journal row, and the
// retention review. Exchanges are written straight into the tables (the form is tested elsewhere).
import { and, eq } from 'drizzle-orm';
import {
  type Exchange,
  type ExchangeKind,
  type ExchangeOutcome,
  type User,
  auditLog,
  exchangeContacts,
  exchangeOrganizations,
  exchangeParticipants,
  exchangeUnits,
  exchanges,
} from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { writeSetting } from '../../src/models/settings.model';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

let harness: TestApp;
let unitId: Record<string, string>;

beforeAll(async () => {
  harness = await startTestApp();
  unitId = Object.fromEntries((await listUnits(harness.db)).map((unit) => [unit.code, unit.id]));
});
afterAll(() => harness.close());

interface ExchangeSpec {
  summary: string;
  notes?: string;
  kind?: ExchangeKind;
  occurredAt?: string;
  outcome?: ExchangeOutcome | null;
  tags?: string[];
  confidential?: boolean;
  author?: User | null;
  organizationIds?: string[];
  contactIds?: string[];
  participantIds?: string[];
  unitCodes?: string[];
}

async function buildExchange(spec: ExchangeSpec): Promise<Exchange> {
  const occurredAt = new Date(spec.occurredAt ?? '2026-10-01T09:00:00Z');
  const [exchange] = await harness.db
    .insert(exchanges)
    .values({
      kind: spec.kind ?? 'rendez_vous',
      occurredAt,
      summary: spec.summary,
      notes: spec.notes ?? null,
      outcome: spec.outcome ?? null,
      tags: spec.tags ?? [],
      confidential: spec.confidential ?? false,
      authorId: spec.author?.id ?? null,
    })
    .returning();
  if (!exchange) throw new Error('exchange not inserted');
  const links = <T>(ids: string[] | undefined, row: (id: string) => T) => (ids ?? []).map(row);
  const organizations = links(spec.organizationIds, (organizationId) => ({ exchangeId: exchange.id, organizationId, occurredAt }));
  if (organizations.length) await harness.db.insert(exchangeOrganizations).values(organizations);
  const contacts = links(spec.contactIds, (contactId) => ({ exchangeId: exchange.id, contactId, occurredAt }));
  if (contacts.length) await harness.db.insert(exchangeContacts).values(contacts);
  const participants = links(spec.participantIds, (userId) => ({ exchangeId: exchange.id, userId, occurredAt }));
  if (participants.length) await harness.db.insert(exchangeParticipants).values(participants);
  const units = links(spec.unitCodes, (code) => ({ exchangeId: exchange.id, unitId: unitId[code]!, occurredAt }));
  if (units.length) await harness.db.insert(exchangeUnits).values(units);
  return exchange;
}

async function browserFor(user: User): Promise<TestBrowser> {
  const browser = new TestBrowser(harness.app);
  await browser.login(user.email);
  return browser;
}

/** The summaries listed on a page of results, in order. */
function summaries(html: string): string[] {
  return [...html.matchAll(/<a class="fr-link" href="\/echanges\/[0-9a-f-]{36}">([^<]*)<\/a>/g)].map((match) => match[1]!.trim());
}

const TAG = `salon-${Date.now().toString(36)}`;

test('each filter, the sort and the pages of the list', async () => {
  const author = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Agathe Consignatrice' });
  const colleague = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] });
  const startup = await buildOrganization(harness.db, { name: 'Édulab Filtres', kindCode: 'startup' });
  const university = await buildOrganization(harness.db, { name: 'Université des Filtres', kindCode: 'universite' });
  const common = { tags: [TAG] };
  await buildExchange({ ...common, summary: 'Filtre A rendez-vous positif', kind: 'rendez_vous', occurredAt: '2026-09-10T08:00:00Z', outcome: 'positive', author, organizationIds: [startup.id], unitCodes: ['DDPSI'] });
  await buildExchange({ ...common, summary: 'Filtre B appel à relancer', kind: 'appel', occurredAt: '2026-09-20T08:00:00Z', outcome: 'a_relancer', author: colleague, organizationIds: [university.id], participantIds: [author.id], unitCodes: ['UO-PRO'] });
  await buildExchange({ ...common, summary: 'Filtre C visio sans suite', kind: 'visio', occurredAt: '2026-09-30T22:30:00Z', outcome: 'sans_suite', author: colleague, organizationIds: [startup.id, university.id], unitCodes: ['UO-PRO'] });
  await buildExchange({ summary: 'Filtre D sans étiquette', kind: 'note', occurredAt: '2026-08-01T08:00:00Z', author, organizationIds: [startup.id], unitCodes: ['DDPSI'] });
  const browser = await browserFor(author);

  const list = async (query: string) => {
    const response = await browser.get(`/echanges?${query}`);
    expect(response.status).toBe(200);
    return summaries(response.text);
  };
  const tagged = `tag=${TAG}`;
  // Most recent first by default.
  expect(await list(tagged)).toEqual(['Filtre C visio sans suite', 'Filtre B appel à relancer', 'Filtre A rendez-vous positif']);
  expect(await list(`${tagged}&dir=asc`)).toEqual(['Filtre A rendez-vous positif', 'Filtre B appel à relancer', 'Filtre C visio sans suite']);
  expect(await list(`${tagged}&sort=kind&dir=asc`)).toEqual(['Filtre B appel à relancer', 'Filtre A rendez-vous positif', 'Filtre C visio sans suite']);
  expect(await list(`${tagged}&sort=outcome&dir=asc`)).toEqual(['Filtre B appel à relancer', 'Filtre A rendez-vous positif', 'Filtre C visio sans suite']);
  expect(await list(`${tagged}&sort=outcome&dir=desc`)).toEqual(['Filtre C visio sans suite', 'Filtre A rendez-vous positif', 'Filtre B appel à relancer']);
  // No outcome sorts first going up (and last going down); the export keeps the same order.
  expect(await list(`organization=${startup.id}&sort=outcome&dir=asc`)).toEqual(['Filtre D sans étiquette', 'Filtre A rendez-vous positif', 'Filtre C visio sans suite']);
  const exported = await browser.get(`/echanges/export.csv?organization=${startup.id}&sort=outcome&dir=desc`);
  expect([...exported.text.matchAll(/Filtre [A-D]/g)].map((match) => match[0])).toEqual(['Filtre C', 'Filtre A', 'Filtre D']);
  expect(await list(`${tagged}&kind=appel`)).toEqual(['Filtre B appel à relancer']);
  expect(await list(`${tagged}&outcome=positive`)).toEqual(['Filtre A rendez-vous positif']);
  // Whole days in Paris: 30/09 22:30 UTC is 1 October, 00:30, in Paris.
  expect(await list(`${tagged}&from=2026-09-15&to=2026-09-30`)).toEqual(['Filtre B appel à relancer']);
  expect(await list(`${tagged}&from=2026-10-01`)).toEqual(['Filtre C visio sans suite']);
  expect(await list(`${tagged}&unit=${unitId.DDPSI}`)).toEqual(['Filtre A rendez-vous positif']);
  expect(await list(`${tagged}&author=me`)).toEqual(['Filtre A rendez-vous positif']);
  expect(await list(`${tagged}&author=${colleague.id}`)).toEqual(['Filtre C visio sans suite', 'Filtre B appel à relancer']);
  expect(await list(`${tagged}&participant=me`)).toEqual(['Filtre B appel à relancer']);
  expect(await list(`${tagged}&orgKind=universite`)).toEqual(['Filtre C visio sans suite', 'Filtre B appel à relancer']);
  expect(await list(`organization=${startup.id}`)).toEqual(['Filtre C visio sans suite', 'Filtre A rendez-vous positif', 'Filtre D sans étiquette']);
  // Malformed values are ignored rather than refused.
  expect(await list(`${tagged}&kind=inconnu&from=2026-13-45&author=quelquun`)).toHaveLength(3);

  // The page shows the organisation filtered on, the columns and the links.
  const page = await browser.get(`/echanges?organization=${startup.id}`);
  expect(page.text).toContain('Édulab Filtres');
  expect(page.text).toContain('Agathe Consignatrice');
  expect(page.text).toContain('Positive');
  expect(page.text).toContain('3 échange(s)');
  // htmx asks for the results alone.
  const fragment = await browser.get(`/echanges?${tagged}`, { 'HX-Request': 'true', 'HX-Target': 'exchanges-results' });
  expect(fragment.text.trimStart().startsWith('<div id="exchanges-results"')).toBe(true);
  expect(fragment.text).not.toContain('<form');
});

test('pages of 50, numbered, keeping the filters', async () => {
  const author = await buildUser(harness.db, { roles: ['charge'] });
  const tag = `pages-${Date.now().toString(36)}`;
  const occurredAt = (index: number) => new Date(Date.UTC(2025, 0, 1, 8, index)).toISOString();
  await harness.db.insert(exchanges).values(Array.from({ length: 55 }, (_, index) => ({ kind: 'note' as const, occurredAt: new Date(occurredAt(index)), summary: `Page ${String(index).padStart(2, '0')}`, tags: [tag], authorId: author.id })));
  const browser = await browserFor(author);
  const first = await browser.get(`/echanges?tag=${tag}`);
  expect(summaries(first.text)).toHaveLength(50);
  expect(summaries(first.text)[0]).toBe('Page 54');
  expect(first.text).toContain('55 échange(s)');
  expect(first.text).toContain('Page 1 sur 2');
  expect(first.text).toContain(`href="/echanges?tag&#x3D;${tag}&amp;sort&#x3D;date&amp;dir&#x3D;desc&amp;page&#x3D;2"`);
  const second = await browser.get(`/echanges?tag=${tag}&page=2`);
  expect(summaries(second.text)).toEqual(['Page 04', 'Page 03', 'Page 02', 'Page 01', 'Page 00']);
  // The outcome sort pages the same way (each outcome read by date, then the page cut).
  expect(summaries((await browser.get(`/echanges?tag=${tag}&sort=outcome&dir=asc&page=2`)).text)).toEqual(['Page 04', 'Page 03', 'Page 02', 'Page 01', 'Page 00']);
  // Past the last page: the first one.
  expect(summaries((await browser.get(`/echanges?tag=${tag}&page=9`)).text)).toHaveLength(50);
});

test('French full-text search on summaries and notes: stemming, accents, several words', async () => {
  const author = await buildUser(harness.db, { roles: ['charge'] });
  await buildExchange({ summary: 'Point d’étape trimestriel', notes: 'Prochaine réunion avec l’équipe pédagogique en janvier.', author });
  await buildExchange({ summary: 'Démonstration de la plateforme d’évaluation', notes: 'Très intéressés par les évaluations adaptatives.', author });
  const browser = await browserFor(author);
  const search = async (q: string) => summaries((await browser.get(`/echanges?q=${encodeURIComponent(q)}`)).text);
  expect(await search('réunions')).toEqual(['Point d’étape trimestriel']);
  expect(await search('REUNION pedagogique')).toEqual(['Point d’étape trimestriel']);
  expect(await search('évaluation')).toEqual(['Démonstration de la plateforme d’évaluation']);
  expect(await search('evaluation -adaptatives')).toEqual([]);
  expect(await search('"plateforme d’évaluation"')).toEqual(['Démonstration de la plateforme d’évaluation']);
});

test('a confidential exchange reaches its circle only: list, count, search, export', async () => {
  const author = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DAJ'] });
  const participant = await buildUser(harness.db, { roles: ['lecteur'] });
  const unitMember = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DAF'] });
  const admin = await buildUser(harness.db, { roles: ['admin'] });
  const outsider = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['UO-SUP'] });
  const tag = `secret-${Date.now().toString(36)}`;
  await buildExchange({ occurredAt: '2026-10-02T09:00:00Z', summary: 'Négociation tarifaire confidentielle', notes: 'Montant plancher négocié : 42 000 euros.', confidential: true, tags: [tag], author, participantIds: [participant.id], unitCodes: ['DAF'] });
  await buildExchange({ summary: 'Présentation publique', notes: 'Montant du marché évoqué.', tags: [tag], author });

  for (const [who, user] of [['author', author], ['participant', participant], ['unit member', unitMember], ['admin', admin]] as const) {
    const browser = await browserFor(user);
    const page = await browser.get(`/echanges?tag=${tag}`);
    expect([who, summaries(page.text)]).toEqual([who, ['Négociation tarifaire confidentielle', 'Présentation publique']]);
    expect([who, page.text.includes('2 échange(s)')]).toEqual([who, true]);
    expect([who, page.text.includes('fr-icon-lock-line')]).toEqual([who, true]);
    const suggestions = await browser.get('/recherche/suggestions?q=montant');
    expect([who, suggestions.text.includes('Négociation tarifaire confidentielle')]).toEqual([who, true]);
  }

  const browser = await browserFor(outsider);
  const page = await browser.get(`/echanges?tag=${tag}`);
  expect(summaries(page.text)).toEqual(['Présentation publique']);
  expect(page.text).toContain('1 échange(s)');
  expect(page.text).not.toContain('fr-icon-lock-line');
  expect(summaries((await browser.get('/echanges?q=plancher')).text)).toEqual([]);
  const suggestions = await browser.get('/recherche/suggestions?q=montant');
  expect(suggestions.text).toContain('Présentation publique');
  expect(suggestions.text).not.toContain('Négociation');
  const results = await browser.get('/recherche?q=montant&type=exchanges');
  expect(results.text).toContain('Présentation publique');
  expect(results.text).not.toContain('Négociation');
  const csv = await browser.get(`/echanges/export.csv?tag=${tag}`);
  expect(csv.text).toContain('Présentation publique');
  expect(csv.text).not.toContain('Négociation');
});

test('the header search and /recherche have an « Échanges » group linking to the exchange', async () => {
  const author = await buildUser(harness.db, { roles: ['lecteur'] });
  const exchange = await buildExchange({ summary: 'Atelier hackathon pédagogique', notes: 'Les hackathons attirent les lycéens.', author });
  const browser = await browserFor(author);
  const suggestions = await browser.get('/recherche/suggestions?q=hackathons');
  expect(suggestions.status).toBe(200);
  expect(suggestions.text).toContain('Échanges (1)');
  expect(suggestions.text).toContain(`href="/echanges/${exchange.id}"`);
  const page = await browser.get('/recherche?q=hackathon');
  expect(page.status).toBe(200);
  expect(page.text).toContain(`href="/echanges/${exchange.id}"`);
  expect(page.text).toContain('Atelier hackathon pédagogique');
});

test('CSV and XLSX exports: the filtered rows with their links, journaled with the filter; a lecteur may not export', async () => {
  const author = await buildUser(harness.db, { roles: ['charge'], displayName: 'Bérénice Exporte' });
  const organization = await buildOrganization(harness.db, { name: 'Campus connecté de Mende' });
  const contact = await buildContact(harness.db, { firstName: 'Hortense', lastName: 'Exportée', organizationId: organization.id });
  const tag = `export-${Date.now().toString(36)}`;
  await buildExchange({
    summary: 'Visite du campus ; bilan « très positif »',
    notes: 'Deux lignes\nde notes',
    kind: 'visite',
    outcome: 'positive',
    tags: [tag, 'campus'],
    occurredAt: '2026-06-15T12:30:00Z',
    author,
    organizationIds: [organization.id],
    contactIds: [contact.id],
    participantIds: [author.id],
    unitCodes: ['DDPSI'],
  });
  await buildExchange({ summary: 'Autre échange hors filtre', author });
  const browser = await browserFor(author);

  const csv = await browser.get(`/echanges/export.csv?tag=${tag}&kind=visite`);
  expect(csv.status).toBe(200);
  expect(csv.headers['content-disposition']).toMatch(/attachment; filename="passerelle-echanges-\d{4}-\d{2}-\d{2}\.csv"/);
  const lines = csv.text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
  expect(lines[0]).toContain('Date et heure;Type;Résumé;Structures;Contacts présents;Participants;Consigné par;Issue');
  expect(csv.text).toContain('15/06/2026 14:30;Visite sur site;"Visite du campus ; bilan « très positif »";Campus connecté de Mende;Hortense Exportée;Bérénice Exporte;Bérénice Exporte;Positive');
  expect(csv.text).not.toContain('Autre échange hors filtre');

  const [entry] = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'exchange.exported'), eq(auditLog.actorId, author.id)));
  expect(entry?.entityType).toBe('exchange');
  expect(entry?.metadata).toMatchObject({ filters: { tag, kind: 'visite', sort: 'date', dir: 'desc' }, format: 'csv', rowCount: 1, complete: true });

  const xlsx = await browser.agent.get(`/echanges/export.xlsx?tag=${tag}`).buffer(true).parse((response, done) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => done(null, Buffer.concat(chunks)));
  });
  expect(xlsx.status).toBe(200);
  const ExcelJS = (await import('exceljs')).default;
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(xlsx.body as never);
  const sheet = workbook.worksheets[0]!;
  const header = (sheet.getRow(1).values as unknown[]).map(String);
  const values = (sheet.getRow(2).values as unknown[]).map(String);
  const cell = (label: string) => values[header.indexOf(label)];
  expect(sheet.rowCount).toBe(2);
  expect(cell('Résumé')).toBe('Visite du campus ; bilan « très positif »');
  expect(cell('Structures')).toBe('Campus connecté de Mende');
  expect(cell('Contacts présents')).toBe('Hortense Exportée');

  const reader = await browserFor(await buildUser(harness.db, { roles: ['lecteur'] }));
  expect((await reader.get(`/echanges/export.csv?tag=${tag}`)).status).toBe(403);
  expect((await reader.get(`/echanges?tag=${tag}`)).text).not.toContain('/echanges/export.csv');
});

test('the retention review lists exchanges older than the setting, oldest first, for managers and admins', async () => {
  const manager = await buildUser(harness.db, { roles: ['manager'] });
  await buildExchange({ summary: 'Rendez-vous de 2019 à revoir', occurredAt: '2019-03-01T09:00:00Z', author: manager });
  await buildExchange({ summary: 'Rendez-vous de 2020 à revoir', occurredAt: '2020-03-01T09:00:00Z', author: manager });
  await buildExchange({ summary: 'Rendez-vous récent à garder', occurredAt: new Date().toISOString(), author: manager });
  const browser = await browserFor(manager);
  const page = await browser.get('/echanges/a-revoir');
  expect(page.status).toBe(200);
  expect(page.text).toContain('Les échanges de plus de 5 ans');
  const listed = summaries(page.text);
  expect(listed.indexOf('Rendez-vous de 2019 à revoir')).toBeLessThan(listed.indexOf('Rendez-vous de 2020 à revoir'));
  expect(listed).not.toContain('Rendez-vous récent à garder');

  await writeSetting(harness.db, 'exchanges.retentionYears', 7, null);
  const shorter = await browser.get('/echanges/a-revoir');
  expect(shorter.text).toContain('Les échanges de plus de 7 ans');
  expect(summaries(shorter.text)).toContain('Rendez-vous de 2019 à revoir');
  expect(summaries(shorter.text)).not.toContain('Rendez-vous de 2020 à revoir');
  await writeSetting(harness.db, 'exchanges.retentionYears', 5, null);

  const charge = await browserFor(await buildUser(harness.db, { roles: ['charge'] }));
  expect((await charge.get('/echanges/a-revoir')).status).toBe(403);
});
