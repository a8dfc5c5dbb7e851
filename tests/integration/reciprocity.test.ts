// Reciprocity cadence (issue 13) on a real database: statuses computed from real exchanges and
// attended events over the rolling 12 months, the strictest figures, the organisation page's
// block, the list's filter and column, the dashboard's block, the « partenaire suivi » box
// (journaled), the partnerships falling behind (the reminder rule's query) and /admin/reciprocite.
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { addParisDays, addParisMonths, atParisTime, parisDayOf } from '../../src/lib/paris-time';
import type { Database } from '../../src/models/database';
import { partnershipRows } from '../../src/models/reciprocity.model';
import {
  type Organization,
  type User,
  auditLog,
  conventionParties,
  conventions,
  eventOrganizations,
  events,
  exchangeOrganizations,
  exchanges,
  organizationUnits,
  organizations,
  reciprocityTargets,
} from '../../src/models/schema';
import { partnershipsFallingBehind, reciprocityWindow } from '../../src/services/reciprocity.service';
import { reciprocityStatus } from '../../src/workflows/reciprocity';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const now = new Date();
const today = parisDayOf(now);
/** 10:00 Paris, `months` months and `days` days before today. */
const ago = (months: number, days = 0) => atParisTime(addParisDays(addParisMonths(today, -months), -days), '10:00');

const decoded = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&').replace(/&#x27;/g, "'");

function section(html: string, id: string): string {
  const match = new RegExp(`<section[^>]*id="${id}"[\\s\\S]*?</section>`).exec(html);
  if (!match) throw new Error(`no section ${id}`);
  return decoded(match[0]);
}

let counter = 0;
async function meet(db: Database, organization: Organization, kind: string, at: Date, extra: { subjectEventId?: string } = {}) {
  counter += 1;
  const [exchange] = await db
    .insert(exchanges)
    .values({
      kind: kind as 'rendez_vous',
      occurredAt: at,
      summary: `Rencontre ${counter}`,
      sourceRef: `test:reciprocity:${randomBytes(4).toString('hex')}`,
      ...(extra.subjectEventId ? { subjectType: 'event' as const, subjectId: extra.subjectEventId } : {}),
    })
    .returning();
  if (!exchange) throw new Error('exchange not inserted');
  await db.insert(exchangeOrganizations).values({ exchangeId: exchange.id, organizationId: organization.id, occurredAt: at });
  return exchange;
}

async function attendEvent(db: Database, organization: Organization, at: Date, options: { attended?: boolean; cancelled?: boolean } = {}) {
  const [event] = await db
    .insert(events)
    .values({
      kind: 'conference_metier',
      title: `Conférence ${randomBytes(2).toString('hex')}`,
      startsAt: at,
      endsAt: new Date(at.getTime() + 2 * 3_600_000),
      status: options.cancelled ? 'annule' : 'planifie',
    })
    .returning();
  if (!event) throw new Error('event not inserted');
  await db.insert(eventOrganizations).values({ eventId: event.id, organizationId: organization.id, startsAt: at, concerned: true, attended: options.attended ?? true });
  return event;
}

async function conventionInForce(db: Database, organization: Organization, kind: 'partenariat' | 'cadre' = 'partenariat', status: 'en_vigueur' | 'brouillon' = 'en_vigueur') {
  const [convention] = await db
    .insert(conventions)
    .values({ reference: `T-${randomBytes(4).toString('hex')}`, title: `Convention ${organization.name}`, kind, status })
    .returning();
  if (!convention) throw new Error('convention not inserted');
  await db.insert(conventionParties).values({ conventionId: convention.id, organizationId: organization.id });
}

describe('reciprocity cadence', () => {
  let harness: TestApp;
  let admin: User;
  let charge: User;
  let browser: TestBrowser;
  let adminBrowser: TestBrowser;
  const org = {} as Record<'upToDate' | 'watch' | 'late' | 'lapsed' | 'never' | 'none' | 'draft' | 'soon', Organization>;

  beforeAll(async () => {
    harness = await startTestApp();
    const db = harness.db;
    admin = await buildUser(db, { roles: ['admin'], unitCodes: ['DDPSI'] });
    charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chargée Réciprocité' });
    const build = (name: string, values: Partial<Organization> = {}) => buildOrganization(db, { name, unitCodes: ['DDPSI'], ownerId: charge.id, ...values });

    // À jour: a convention in force and three qualifying meetings this year (a call does not count).
    org.upToDate = await build('Récip À jour');
    await conventionInForce(db, org.upToDate);
    await meet(db, org.upToDate, 'rendez_vous', ago(1));
    await meet(db, org.upToDate, 'visio', ago(3));
    await meet(db, org.upToDate, 'visite', ago(6));
    await meet(db, org.upToDate, 'appel', ago(0, 2));

    // À surveiller: followed; one exchange and one attended event; a cancelled event and an event it
    // did not attend do not count; an exchange logged about the attended event is the same meeting.
    org.watch = await build('Récip À surveiller', { followedPartner: true });
    await meet(db, org.watch, 'rendez_vous', ago(2));
    const attended = await attendEvent(db, org.watch, ago(4));
    await meet(db, org.watch, 'rendez_vous', ago(4), { subjectEventId: attended.id });
    await attendEvent(db, org.watch, ago(5), { cancelled: true });
    await attendEvent(db, org.watch, ago(7), { attended: false });

    // En retard: one meeting in the window, one 13 months ago; an exchange planned next week does not count yet.
    org.late = await build('Récip En retard', { followedPartner: true });
    await meet(db, org.late, 'rendez_vous', ago(3));
    await meet(db, org.late, 'rendez_vous', ago(13));
    await meet(db, org.late, 'visio', atParisTime(addParisDays(today, 7), '10:00'));

    // En retard with nothing in the window: met two years ago.
    org.lapsed = await build('Récip Perdu de vue', { followedPartner: true });
    await meet(db, org.lapsed, 'visite', ago(24));

    // Jamais rencontré: a convention in force, only calls and e-mails.
    org.never = await build('Récip Jamais');
    await conventionInForce(db, org.never);
    await meet(db, org.never, 'appel', ago(1));
    await meet(db, org.never, 'courriel', ago(2));

    // Not partnerships: nothing followed, or only a draft convention.
    org.none = await build('Récip Sans partenariat');
    await meet(db, org.none, 'rendez_vous', ago(1));
    org.draft = await build('Récip Brouillon');
    await conventionInForce(db, org.draft, 'partenariat', 'brouillon');

    // Falls behind soon: two meetings, the older one drops out in 10 days.
    org.soon = await build('Récip Bientôt', { followedPartner: true });
    await meet(db, org.soon, 'rendez_vous', ago(1));
    await meet(db, org.soon, 'rendez_vous', atParisTime(addParisDays(addParisMonths(today, -12), 10), '10:00'));

    browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
    adminBrowser = new TestBrowser(harness.app);
    await adminBrowser.login(admin.email);
  });

  afterAll(async () => {
    await harness.close();
  });

  const rowsOf = async () => {
    const rows = await partnershipRows(harness.db, { kind: 'organizations', ids: Object.values(org).map((item) => item.id) }, reciprocityWindow(new Date()));
    return new Map(rows.map((row) => [row.organizationId, row]));
  };

  it('computes each status from real exchanges and attended events', async () => {
    const rows = await rowsOf();
    expect(rows.get(org.upToDate.id)).toMatchObject({ status: 'a_jour', meetings: 3, minimum: 2, target: 3 });
    expect(rows.get(org.watch.id)).toMatchObject({ status: 'a_surveiller', meetings: 2 });
    expect(rows.get(org.late.id)).toMatchObject({ status: 'en_retard', meetings: 1, everMet: true });
    expect(rows.get(org.lapsed.id)).toMatchObject({ status: 'en_retard', meetings: 0, everMet: true });
    expect(rows.get(org.never.id)).toMatchObject({ status: 'jamais_rencontre', meetings: 0, everMet: false });
    expect(rows.get(org.soon.id)).toMatchObject({ status: 'a_surveiller', meetings: 2 });
    expect(rows.has(org.none.id)).toBe(false);
    expect(rows.has(org.draft.id)).toBe(false);
    // Meeting days are Paris days, newest first.
    expect(rows.get(org.upToDate.id)?.meetingDays).toEqual([parisDayOf(ago(1)), parisDayOf(ago(3)), parisDayOf(ago(6))]);
  });

  it('says the same status in SQL as the rule in TypeScript, page by page or all at once', async () => {
    const perRow = await rowsOf();
    for (const row of perRow.values()) {
      expect(row.status).toBe(reciprocityStatus(row.meetings, row, row.everMet));
    }
    // Every partnership at once (set-based statement) and a unit's: the same rows.
    const all = await partnershipRows(harness.db, { kind: 'all' }, reciprocityWindow(new Date()));
    const ours = all.filter((row) => perRow.has(row.organizationId));
    expect(new Map(ours.map((row) => [row.organizationId, row]))).toEqual(perRow);
    const units = await harness.db.select().from(organizationUnits).where(eq(organizationUnits.organizationId, org.late.id));
    const ofUnit = await partnershipRows(harness.db, { kind: 'units', unitIds: units.map((row) => row.unitId) }, reciprocityWindow(new Date()));
    expect(ofUnit.find((row) => row.organizationId === org.late.id)).toEqual(perRow.get(org.late.id));
  });

  it('applies the strictest figures of the organisation kind and the convention kinds in force', async () => {
    const db = harness.db;
    await db.insert(reciprocityTargets).values([
      { scope: 'organization_kind', scopeCode: 'entreprise', minimum: 1, target: 2 },
      { scope: 'convention_kind', scopeCode: 'cadre', minimum: 3, target: 4 },
    ]);
    try {
      let rows = await rowsOf();
      // A lenient kind row replaces the default: one meeting is now « à surveiller », two « à jour ».
      expect(rows.get(org.late.id)).toMatchObject({ status: 'a_surveiller', minimum: 1, target: 2 });
      expect(rows.get(org.watch.id)).toMatchObject({ status: 'a_jour' });
      // A convention-cadre in force is stricter: 3 meetings out of 4 → à surveiller.
      await conventionInForce(db, org.upToDate, 'cadre');
      rows = await rowsOf();
      expect(rows.get(org.upToDate.id)).toMatchObject({ status: 'a_surveiller', minimum: 3, target: 4 });
    } finally {
      await db.delete(reciprocityTargets);
    }
  });

  it('lists the partnerships falling behind now or within 30 days, with the day they do', async () => {
    const behind = await partnershipsFallingBehind(harness.db, { now: new Date(), withinDays: 30 });
    const byId = new Map(behind.map((row) => [row.organizationId, row]));
    expect(byId.get(org.late.id)).toMatchObject({ status: 'en_retard', nextDueOn: today, organizationName: 'Récip En retard', ownerId: charge.id });
    expect(byId.get(org.never.id)).toMatchObject({ status: 'jamais_rencontre', nextDueOn: today });
    expect(byId.get(org.soon.id)).toMatchObject({ status: 'a_surveiller', nextDueOn: addParisDays(today, 10) });
    expect(byId.has(org.upToDate.id)).toBe(false);
    expect(byId.has(org.watch.id)).toBe(false);
    expect(byId.has(org.none.id)).toBe(false);
    const withinFive = await partnershipsFallingBehind(harness.db, { now: new Date(), withinDays: 5 });
    expect(withinFive.some((row) => row.organizationId === org.soon.id)).toBe(false);
  });

  it('shows the block on the organisation page', async () => {
    const late = await browser.get(`/structures/${org.late.id}`);
    expect(late.status).toBe(200);
    const block = section(late.text, 'organization-reciprocity');
    expect(block).toContain('En retard');
    expect(block).toContain('1 rencontre sur 3 visées ces 12 derniers mois');
    expect(block).toContain('une rencontre est à organiser dès maintenant');

    const soon = section((await browser.get(`/structures/${org.soon.id}`)).text, 'organization-reciprocity');
    expect(soon).toContain('2 rencontres sur 3 visées ces 12 derniers mois');
    expect(soon).toMatch(/prochaine avant le \w+ \d{1,2} \S+ \d{4}/);

    const none = section((await browser.get(`/structures/${org.none.id}`)).text, 'organization-reciprocity');
    expect(none).toContain('Pas de partenariat suivi');
  });

  it('filters the organisations list by status and shows the column', async () => {
    const late = await browser.get('/structures?reciprocite=en_retard&q=Récip');
    expect(late.status).toBe(200);
    expect(late.text).toContain('Récip En retard');
    expect(late.text).toContain('Récip Perdu de vue');
    expect(late.text).not.toContain('Récip À jour');
    expect(late.text).not.toContain('Récip Jamais');
    expect(decoded(late.text)).toContain('<option value="en_retard" selected>');

    const never = await browser.get('/structures?reciprocite=jamais_rencontre&q=Récip');
    expect(never.text).toContain('Récip Jamais');
    expect(never.text).not.toContain('Récip En retard');
    const watch = await browser.get('/structures?reciprocite=a_surveiller&q=Récip');
    expect(watch.text).toContain('Récip À surveiller');
    expect(watch.text).toContain('Récip Bientôt');
    expect(watch.text).not.toContain('Récip À jour');
    const upToDate = await browser.get('/structures?reciprocite=a_jour&q=Récip');
    expect(upToDate.text).toContain('Récip À jour');
    expect(upToDate.text).not.toContain('Récip À surveiller');

    const behind = await browser.get('/structures?reciprocite=en_retard_ou_jamais&q=Récip');
    expect(behind.text).toContain('Récip Jamais');
    expect(behind.text).not.toContain('Récip Bientôt');

    const followed = await browser.get('/structures?reciprocite=suivis&q=Récip');
    for (const name of ['Récip À jour', 'Récip À surveiller', 'Récip Jamais']) expect(followed.text).toContain(name);
    expect(followed.text).not.toContain('Récip Sans partenariat');
    const notFollowed = await browser.get('/structures?reciprocite=non_suivis&q=Récip');
    expect(notFollowed.text).toContain('Récip Sans partenariat');
    expect(notFollowed.text).toContain('Récip Brouillon');
    expect(notFollowed.text).not.toContain('Récip À jour');

    // The column: a badge and « meetings/target » for partnerships, a dash otherwise.
    const all = await browser.get('/structures?q=Récip');
    const rowOf = (name: string) => new RegExp(`<tr>\\s*<td><a class="fr-link" href="/structures/[^"]+">${name}</a>[\\s\\S]*?</tr>`).exec(decoded(all.text))?.[0] ?? '';
    expect(rowOf('Récip À jour')).toContain('À jour</span> <span class="fr-text--xs">3/3</span>');
    expect(rowOf('Récip Jamais')).toContain('Jamais rencontré');
    expect(rowOf('Récip Sans partenariat')).not.toContain('fr-badge--error');

    // An unknown value is ignored (the whole list), never an error.
    expect((await browser.get('/structures?reciprocite=nimporte&q=Récip')).text).toContain('Récip Sans partenariat');
  });

  it('shows the partnerships behind of my units on the dashboard', async () => {
    const home = await browser.get('/');
    const block = section(home.text, 'dashboard-reciprocity');
    expect(block).toContain('Partenariats en retard de réciprocité');
    expect(block).toContain('Récip En retard');
    expect(block).toContain('Récip Jamais');
    expect(block).not.toContain('Récip À jour');
    expect(block).toMatch(/href="\/structures\?[^"]*reciprocite=en_retard_ou_jamais/);
  });

  it('records « partenaire suivi » from the organisation form, journaled', async () => {
    const target = org.none;
    const form = await browser.get(`/structures/${target.id}/modifier`);
    expect(form.text).toContain('name="followedPartner"');
    const saved = await browser.post(`/structures/${target.id}/modifier`, {
      name: target.name,
      kindCode: target.kindCode,
      status: target.status,
      unitIds: [],
      followedPartner: 'on',
      confirmDuplicates: 'on',
    });
    expect(saved.status).toBe(303);
    const [row] = await harness.db.select().from(organizations).where(eq(organizations.id, target.id));
    expect(row?.followedPartner).toBe(true);
    const [entry] = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, target.id), eq(auditLog.action, 'organization.updated')));
    expect(entry?.changes).toMatchObject({ followedPartner: { before: false, after: true } });
    // Now a partnership: met once this month, « en retard ».
    const page = await browser.get(`/structures/${target.id}`);
    expect(section(page.text, 'organization-reciprocity')).toContain('1 rencontre sur 3');
  });

  it('lets an admin set figures per kind on /admin/reciprocite, journaled, with French errors', async () => {
    const page = await adminBrowser.get('/admin/reciprocite');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Objectifs de réciprocité');
    expect(page.text).toContain('name="minimum__organization_kind__cfa"');
    expect(page.text).toContain('name="target__convention_kind__cadre"');

    const refused = await adminBrowser.post('/admin/reciprocite', { minimum__organization_kind__cfa: '4', target__organization_kind__cfa: '2', minimum__convention_kind__cadre: 'deux', target__convention_kind__cadre: '3' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('L’objectif ne peut pas être inférieur au minimum.');
    expect(refused.text).toContain('Le minimum est un nombre entier de 0 à 52');
    expect(refused.text).toContain('value="deux"');
    expect(await harness.db.select().from(reciprocityTargets)).toHaveLength(0);

    const saved = await adminBrowser.post('/admin/reciprocite', { minimum__organization_kind__cfa: '1', target__organization_kind__cfa: '2', minimum__convention_kind__cadre: '', target__convention_kind__cadre: '' });
    expect(saved.status).toBe(303);
    const rows = await harness.db.select().from(reciprocityTargets);
    expect(rows).toEqual([expect.objectContaining({ scope: 'organization_kind', scopeCode: 'cfa', minimum: 1, target: 2, updatedById: admin.id })]);
    const [entry] = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'reciprocityTarget.set'));
    expect(entry).toMatchObject({ entityType: 'organization_kind', entityId: 'cfa', actorId: admin.id });
    expect(entry?.changes).toMatchObject({ minimum: { before: null, after: 1 }, target: { before: null, after: 2 } });

    // Both fields emptied: back to the default, journaled.
    await adminBrowser.post('/admin/reciprocite', { minimum__organization_kind__cfa: '', target__organization_kind__cfa: '' });
    expect(await harness.db.select().from(reciprocityTargets)).toHaveLength(0);
    expect(await harness.db.select().from(auditLog).where(eq(auditLog.action, 'reciprocityTarget.reset'))).toHaveLength(1);

    // The journal names the action in French.
    const journal = await adminBrowser.get('/admin/journal?action=reciprocityTarget.set');
    expect(journal.text).toContain('Objectif de réciprocité fixé');

    // Chargés may not.
    expect((await browser.get('/admin/reciprocite')).status).toBe(403);
  });
});
