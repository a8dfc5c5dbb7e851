// The home page (issue 12): each block shows what concerns the reader and their units, links
// to the list behind it, and never shows (nor counts) a confidential exchange to an outsider.
// The settings page (/admin/parametres): admins only, 422 in French, journaled.
import { and, eq } from 'drizzle-orm';
import { addDays } from '../../src/lib/convention-dates';
import { isoDateInParis, startOfParisDay } from '../../src/lib/format';
import { listUnits } from '../../src/models/units.model';
import {
  type Organization,
  type User,
  auditLog,
  conventions,
  exchangeOrganizations,
  exchangeParticipants,
  exchangeUnits,
  exchanges,
  tasks,
} from '../../src/models/schema';
import type { Database } from '../../src/models/database';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Links as a browser reads them (Handlebars writes « = » and « & » as entities). */
const decoded = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

/** The text of one block of the page (its <section id="…">), links decoded. */
function block(html: string, id: string): string {
  const match = new RegExp(`<section id="${id}"[\\s\\S]*?</section>`).exec(html);
  if (!match) throw new Error(`no block ${id}`);
  return decoded(match[0]);
}

function figure(html: string, id: string): number {
  const match = new RegExp(`id="${id}"[\\s\\S]*?passerelle-dashboard-figure">([^<]+)<`).exec(html);
  return Number((match?.[1] ?? 'NaN').replace(/\s/g, ''));
}

let exchangeCounter = 0;
async function insertExchange(
  db: Database,
  values: { kind: string; at: Date; authorId: string; unitIds: string[]; organizationIds: string[]; participantIds?: string[]; confidential?: boolean; summary: string },
) {
  exchangeCounter += 1;
  const [exchange] = await db
    .insert(exchanges)
    .values({
      kind: values.kind as 'rendez_vous',
      occurredAt: values.at,
      summary: values.summary,
      confidential: values.confidential ?? false,
      authorId: values.authorId,
      sourceRef: `test:dashboard:${exchangeCounter}`,
    })
    .returning();
  if (!exchange) throw new Error('exchange not inserted');
  const occurredAt = values.at;
  if (values.unitIds.length) await db.insert(exchangeUnits).values(values.unitIds.map((unitId) => ({ exchangeId: exchange.id, unitId, occurredAt })));
  if (values.organizationIds.length) await db.insert(exchangeOrganizations).values(values.organizationIds.map((organizationId) => ({ exchangeId: exchange.id, organizationId, occurredAt })));
  if (values.participantIds?.length) await db.insert(exchangeParticipants).values(values.participantIds.map((userId) => ({ exchangeId: exchange.id, userId, occurredAt })));
  return exchange;
}

describe('dashboard', () => {
  let harness: TestApp;
  let charge: User;
  let manager: User;
  let outsiderManager: User;
  let admin: User;
  let ddpsi: string;
  let uoSup: string;
  let startupA: Organization;
  let startupB: Organization;
  let dormant: Organization;
  const now = new Date();
  const today = isoDateInParis(now);
  const browsers = new Map<string, TestBrowser>();

  async function signedIn(user: User): Promise<TestBrowser> {
    const known = browsers.get(user.id);
    if (known) return known;
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    browsers.set(user.id, browser);
    return browser;
  }

  beforeAll(async () => {
    harness = await startTestApp();
    const db = harness.db;
    const units = await listUnits(db);
    ddpsi = units.find((unit) => unit.code === 'DDPSI')?.id as string;
    uoSup = units.find((unit) => unit.code === 'UO-SUP')?.id as string;
    charge = await buildUser(db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Inès Charpentier' });
    manager = await buildUser(db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    outsiderManager = await buildUser(db, { roles: ['manager'], unitCodes: ['UO-SUP'] });
    admin = await buildUser(db, { roles: ['admin'] });

    startupA = await buildOrganization(db, { name: 'Apprenoscope', kindCode: 'startup', status: 'actif', unitCodes: ['DDPSI'], lastActivityAt: now });
    startupB = await buildOrganization(db, { name: 'Classe Agile', kindCode: 'startup', status: 'actif', unitCodes: ['DDPSI'], lastActivityAt: now });
    dormant = await buildOrganization(db, { name: 'Lycée du Silence', kindCode: 'lycee', status: 'actif', unitCodes: ['DDPSI'], lastActivityAt: new Date(now.getTime() - 250 * DAY) });
    await buildOrganization(db, { name: 'Ancien Dormeur', kindCode: 'lycee', status: 'ancien', unitCodes: ['DDPSI'], lastActivityAt: new Date(now.getTime() - 400 * DAY) });
    await buildOrganization(db, { name: 'Dormeur Ailleurs', kindCode: 'lycee', status: 'actif', unitCodes: ['UO-SUP'], lastActivityAt: new Date(now.getTime() - 400 * DAY) });

    const recent = new Date(now.getTime() - MINUTE);
    await insertExchange(db, { kind: 'rendez_vous', at: recent, authorId: charge.id, unitIds: [ddpsi], organizationIds: [startupA.id], summary: 'Démonstration Apprenoscope' });
    await insertExchange(db, { kind: 'visio', at: recent, authorId: manager.id, unitIds: [ddpsi], organizationIds: [startupB.id], confidential: true, summary: 'Levée de fonds Classe Agile' });
    await insertExchange(db, { kind: 'appel', at: recent, authorId: charge.id, unitIds: [ddpsi], organizationIds: [startupA.id], summary: 'Appel de suivi Apprenoscope' });
    await insertExchange(db, { kind: 'rendez_vous', at: new Date(startOfParisDay(`${today.slice(0, 4)}-01-01`).getTime() - DAY), authorId: charge.id, unitIds: [ddpsi], organizationIds: [dormant.id], summary: 'Rencontre de l’an dernier' });
    await insertExchange(db, { kind: 'rendez_vous', at: new Date(now.getTime() + 3 * DAY), authorId: manager.id, participantIds: [charge.id], unitIds: [ddpsi], organizationIds: [startupA.id], summary: 'Atelier prévu avec Apprenoscope' });
    await insertExchange(db, { kind: 'visite', at: recent, authorId: outsiderManager.id, unitIds: [uoSup], organizationIds: [startupA.id], confidential: true, summary: 'Visite confidentielle UO-SUP' });

    await db.insert(tasks).values([
      { title: 'Relancer Classe Agile', dueOn: addDays(today, -2), assigneeId: charge.id, organizationId: startupB.id, createdById: charge.id },
      { title: 'Envoyer la plaquette', dueOn: today, assigneeId: charge.id, organizationId: startupA.id, createdById: charge.id },
      { title: 'Préparer le comité', dueOn: addDays(today, 5), assigneeId: charge.id, createdById: charge.id },
      { title: 'Tâche lointaine', dueOn: addDays(today, 30), assigneeId: charge.id, createdById: charge.id },
      { title: 'Tâche déjà faite', dueOn: addDays(today, -1), assigneeId: charge.id, status: 'faite', doneAt: now, doneById: charge.id, createdById: charge.id },
      { title: 'Tâche du manager', dueOn: addDays(today, -1), assigneeId: manager.id, createdById: manager.id },
    ]);

    const convention = (reference: string, title: string, unitId: string, endsOn: string, noticeDeadline: string | null = null) => ({
      reference,
      title,
      kind: 'partenariat' as const,
      status: 'en_vigueur' as const,
      unitId,
      endsOn,
      noticeDeadline,
    });
    await db.insert(conventions).values([
      convention('TEST-DASH-1', 'Convention qui finit bientôt', ddpsi, addDays(today, 30)),
      convention('TEST-DASH-2', 'Convention au préavis proche', ddpsi, addDays(today, 200), addDays(today, 60)),
      convention('TEST-DASH-3', 'Convention lointaine', ddpsi, addDays(today, 120)),
      convention('TEST-DASH-4', 'Convention d’une autre unité', uoSup, addDays(today, 10)),
      { ...convention('TEST-DASH-5', 'Convention échue', ddpsi, addDays(today, 5)), status: 'echue' as const },
    ]);
  });
  afterAll(() => harness.close());

  it('shows a chargé her tasks, her coming exchanges and her unit’s blocks, each linking to its list', async () => {
    const browser = await signedIn(charge);
    const page = await browser.get('/');
    expect(page.status).toBe(200);
    const html = page.text;
    expect(html).not.toContain('apparaîtront ici');

    const taskBlock = block(html, 'dashboard-tasks');
    expect(taskBlock).toContain('Relancer Classe Agile');
    expect(taskBlock).toContain('Envoyer la plaquette');
    expect(taskBlock).toContain('Préparer le comité');
    expect(taskBlock).not.toContain('Tâche lointaine');
    expect(taskBlock).not.toContain('Tâche déjà faite');
    expect(taskBlock).not.toContain('Tâche du manager');
    expect(taskBlock).toContain('En retard (1)');
    expect(taskBlock).toContain('Aujourd’hui et les 7 prochains jours (2)');
    expect(taskBlock).toContain('href="/taches?vue=mes&statut=a_faire&echeance=en_retard"');

    const mine = block(html, 'dashboard-my-exchanges');
    expect(mine).toContain('Atelier prévu avec Apprenoscope');
    expect(mine).not.toContain('Démonstration Apprenoscope');
    expect(mine).toContain(`href="/echanges?participant=me&from=${today}&to=${addDays(today, 7)}`);

    const latest = block(html, 'dashboard-latest');
    expect(latest).toContain('Démonstration Apprenoscope');
    expect(latest).toContain('Rendez-vous — Apprenoscope');
    // Confidential, but of her unit: she reads it.
    expect(latest).toContain('Levée de fonds Classe Agile');
    expect(latest).not.toContain('Atelier prévu');
    expect(latest).not.toContain('Visite confidentielle UO-SUP');
    expect(latest).toContain(`href="/echanges?unit=${ddpsi}&to=${today}"`);

    const conventionBlock = block(html, 'dashboard-conventions');
    expect(conventionBlock).toContain('Convention qui finit bientôt');
    expect(conventionBlock).toContain('Convention au préavis proche');
    expect(conventionBlock).toContain('Préavis jusqu’au');
    expect(conventionBlock).not.toContain('Convention lointaine');
    expect(conventionBlock).not.toContain('Convention d’une autre unité');
    expect(conventionBlock).not.toContain('Convention échue');
    expect(conventionBlock).toContain(`href="/conventions?unit=${ddpsi}&expiring=90&on=preavis`);

    const dormantBlock = block(html, 'dashboard-dormant');
    expect(dormantBlock).toContain('sans échange depuis 6 mois');
    expect(dormantBlock).toContain('Lycée du Silence');
    expect(dormantBlock).not.toContain('Apprenoscope');
    expect(dormantBlock).not.toContain('Ancien Dormeur');
    expect(dormantBlock).not.toContain('Dormeur Ailleurs');
    expect(dormantBlock).toContain(`href="/structures?unit=${ddpsi}&status=actif&inactive=6`);

    expect(block(html, 'dashboard-approvals')).toContain('Aucune validation ne vous attend.');
    expect(block(html, 'dashboard-approvals')).toContain('href="/validations"');

    // This month: the meeting, the confidential visio and the call; start-ups met: both (a call is not a meeting).
    expect(figure(html, 'count-month')).toBe(3);
    expect(figure(html, 'count-year')).toBe(3);
    expect(figure(html, 'count-startups')).toBe(2);
    expect(decoded(html)).toContain(`/echanges?unit=${ddpsi}&orgKind=startup&from=${today.slice(0, 4)}-01-01&to=${today}`);

    // Without JavaScript, « Fait » comes back to the dashboard, where the task has left the block.
    const [plaquette] = await harness.db.select().from(tasks).where(eq(tasks.title, 'Envoyer la plaquette'));
    expect(block(html, 'dashboard-tasks')).toContain(`action="/taches/${plaquette?.id}/faite"`);
    const done = await browser.post(`/taches/${plaquette?.id}/faite`, { back: '/' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/');
    const after = block((await browser.get('/')).text, 'dashboard-tasks');
    expect(after).not.toContain('Envoyer la plaquette');
    expect(after).toContain('Aujourd’hui et les 7 prochains jours (1)');

    // A chargé cannot look at another unit: the parameter is ignored.
    const elsewhere = await browser.get(`/?unit=${uoSup}`);
    expect(block(elsewhere.text, 'dashboard-latest')).toContain('Démonstration Apprenoscope');
    expect(elsewhere.text).not.toContain('id="dashboard-unit"');
  });

  it('lets a manager switch units, without showing or counting confidential exchanges of a unit that is not theirs', async () => {
    const own = await signedIn(outsiderManager);
    const home = await own.get('/');
    expect(home.text).toContain('id="dashboard-unit"');
    expect(block(home.text, 'dashboard-latest')).toContain('Visite confidentielle UO-SUP');
    expect(figure(home.text, 'count-startups')).toBe(1);

    const switched = await own.get(`/?unit=${ddpsi}`);
    expect(switched.status).toBe(200);
    expect(switched.text).toMatch(new RegExp(`<option value="${ddpsi}" selected>`));
    const latest = block(switched.text, 'dashboard-latest');
    expect(latest).toContain('Démonstration Apprenoscope');
    expect(latest).not.toContain('Levée de fonds Classe Agile');
    expect(latest).not.toContain('Visite confidentielle UO-SUP');
    expect(figure(switched.text, 'count-month')).toBe(2);
    expect(figure(switched.text, 'count-startups')).toBe(1);
    expect(block(switched.text, 'dashboard-dormant')).toContain('Lycée du Silence');
    expect(block(switched.text, 'dashboard-conventions')).toContain('Convention qui finit bientôt');
    // The tasks stay the reader's own.
    expect(block(switched.text, 'dashboard-tasks')).not.toContain('Relancer Classe Agile');

    // The unit's own manager counts and reads everything of it.
    const ddpsiManager = await signedIn(manager);
    const page = await ddpsiManager.get('/');
    expect(block(page.text, 'dashboard-tasks')).toContain('Tâche du manager');
    expect(block(page.text, 'dashboard-latest')).toContain('Levée de fonds Classe Agile');
    expect(figure(page.text, 'count-month')).toBe(3);
    // An admin looks at any unit and reads everything.
    const adminBrowser = await signedIn(admin);
    const adminPage = await adminBrowser.get(`/?unit=${ddpsi}`);
    expect(block(adminPage.text, 'dashboard-latest')).toContain('Levée de fonds Classe Agile');
    expect(figure(adminPage.text, 'count-startups')).toBe(2);
  });

  it('edits the settings as an admin only, refuses out-of-range values in French (422), journals each change, and the dashboard follows', async () => {
    const chargeBrowser = await signedIn(charge);
    expect((await chargeBrowser.get('/admin/parametres')).status).toBe(403);
    expect((await chargeBrowser.post('/admin/parametres', { dormantMonths: '12', retentionYears: '5' })).status).toBe(403);

    const browser = await signedIn(admin);
    const form = await browser.get('/admin/parametres');
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="dormantMonths" value="6"');
    expect(form.text).toContain('name="retentionYears" value="5"');

    const refused = await browser.post('/admin/parametres', { dormantMonths: '40', retentionYears: 'dix' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Indiquez un nombre entier de mois entre 1 et 36.');
    expect(refused.text).toContain('Indiquez un nombre entier d’années entre 1 et 30.');
    expect(refused.text).toContain('name="dormantMonths" value="40"');
    expect(refused.text).toContain('name="retentionYears" value="dix"');

    const saved = await browser.post('/admin/parametres', { dormantMonths: '9', retentionYears: '5' });
    expect(saved.status).toBe(303);
    const entries = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'setting.updated'), eq(auditLog.entityType, 'setting')));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ entityId: 'dashboard.dormantMonths', actorId: admin.id, changes: { dormantMonths: { before: 6, after: 9 } } });
    const journal = await browser.get('/admin/journal?entityType=setting');
    expect(journal.text).toContain('Paramètre modifié');
    expect(journal.text).toContain('Partenaires sans échange après (mois)');

    const page = await (await signedIn(charge)).get('/');
    const dormantBlock = block(page.text, 'dashboard-dormant');
    expect(dormantBlock).toContain('sans échange depuis 9 mois');
    // 250 days ago is within 9 months: no longer dormant.
    expect(dormantBlock).not.toContain('Lycée du Silence');
    expect(dormantBlock).toContain('inactive=9');
  });
});
