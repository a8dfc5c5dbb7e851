// /admin/relances and the « Relances » section of /compte: an admin changes a rule's offsets, send
// time, on/off and « mandatory » (journaled, refused input keeps what was typed and writes
// nothing); the preview lists what the rules would send in the next 30 days, filtered by rule
// and recipient; a person chooses courriel / résumé / aucun per rule, except « aucun » for a
// mandatory rule.
import { and, eq } from 'drizzle-orm';
import { addParisDays, parisDayOf } from '../../src/lib/paris-time';
import { readRuleSettings, readUserPreferences } from '../../src/models/reminder-settings.model';
import { auditLog, reminderRuleSettings, tasks, userReminderPreferences, type User } from '../../src/models/schema';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('reminder rules and preferences', () => {
  let harness: TestApp;
  let admin: User;
  let charge: User;
  let adminBrowser: TestBrowser;
  let chargeBrowser: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    admin = await buildUser(harness.db, { roles: ['admin'], displayName: 'Alice Admin' });
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Éloïse Chargée' });
    adminBrowser = new TestBrowser(harness.app);
    await adminBrowser.login(admin.email);
    chargeBrowser = new TestBrowser(harness.app);
    await chargeBrowser.login(charge.email);
  });
  afterAll(() => harness.close());

  const auditsOf = (action: string, entityId: string) =>
    harness.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.entityId, entityId)));
  const unescaped = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&').replace(/&#x27;/g, '’');

  test('the page lists every rule with its settings; only admins reach it', async () => {
    const page = await adminBrowser.get('/admin/relances');
    expect(page.status).toBe(200);
    for (const label of ['Rendez-vous ou événement demain', 'Tâche en retard', 'Fin de convention', 'Date limite de préavis d’une convention', 'Partenariat en retard de réciprocité', 'Étape de validation en retard', 'Résumé quotidien', 'Rappel aux partenaires invités']) {
      expect(unescaped(page.text)).toContain(label);
    }
    // Convention end: J-90, J-30, J-7 at 08:00 by default; the notice deadline is mandatory.
    const card = /<section[^>]*id="rule-convention-end"[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    expect(card).toContain('J-90, J-30, J-7 à 08:00');
    expect(card).toContain('value="90, 30, 7"');
    const notice = /<section[^>]*id="rule-convention-notice"[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    expect(notice).toContain('Obligatoire</span>');
    // A rule without offsets to choose has no offsets field; the partner rule has no « mandatory ».
    expect(/<section[^>]*id="rule-digest-daily"[\s\S]*?<\/section>/.exec(page.text)?.[0]).not.toContain('name="offsetsDays"');
    expect(/<section[^>]*id="rule-event-partner_day_before"[\s\S]*?<\/section>/.exec(page.text)?.[0]).not.toContain('name="mandatory"');
    expect((await chargeBrowser.get('/admin/relances')).status).toBe(403);
    expect((await chargeBrowser.post('/admin/relances/convention.end', { enabled: '1', offsetsDays: '1', sendTime: '08:00' })).status).toBe(403);
    expect((await adminBrowser.post('/admin/relances/inconnue', { enabled: '1', sendTime: '08:00' })).status).toBe(404);
    // Approval steps' reminders follow each circuit's delays: no form here, a link to where they are set, a POST refused.
    const steps = /<section[^>]*id="rule-workflow-step_overdue"[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    expect(steps).not.toContain('<form');
    expect(steps).toContain('href="/admin/circuits-des-conventions"');
    expect((await adminBrowser.post('/admin/relances/workflow.step_overdue', { sendTime: '08:00' })).status).toBe(409);
  });

  test('an admin changes a rule: saved, journaled with what changed (in French in the journal); the same form again changes nothing', async () => {
    const saved = await adminBrowser.post('/admin/relances/convention.end', { enabled: '1', offsetsDays: '7 ; 60, 7,120', sendTime: '09:30' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/admin/relances#rule-convention-end');
    const settings = await readRuleSettings(harness.db);
    expect(settings['convention.end']).toEqual({ enabled: true, mandatory: false, offsetsDays: [120, 60, 7], sendTime: '09:30' });
    const [row] = await harness.db.select().from(reminderRuleSettings).where(eq(reminderRuleSettings.ruleCode, 'convention.end'));
    expect(row?.updatedById).toBe(admin.id);
    const audits = await auditsOf('reminder_rule.updated', 'convention.end');
    expect(audits).toHaveLength(1);
    expect(audits[0]?.changes).toEqual({ offsetsDays: { before: '90, 30, 7', after: '120, 60, 7' }, sendTime: { before: '08:00', after: '09:30' } });
    const page = await adminBrowser.get('/admin/relances');
    expect(page.text).toContain('Règle « Fin de convention » enregistrée.');
    expect(page.text).toContain('J-120, J-60, J-7 à 09:30');

    const again = await adminBrowser.post('/admin/relances/convention.end', { enabled: '1', offsetsDays: '120, 60, 7', sendTime: '09:30' });
    expect(again.status).toBe(303);
    expect(await auditsOf('reminder_rule.updated', 'convention.end')).toHaveLength(1);

    // Switched off and made mandatory, in one form; an unchecked box is « off ».
    await adminBrowser.post('/admin/relances/meeting.day_before', { mandatory: '1', offsetsDays: '1', sendTime: '17:00' });
    expect((await readRuleSettings(harness.db))['meeting.day_before']).toEqual({ enabled: false, mandatory: true, offsetsDays: [1], sendTime: '17:00' });

    const journal = await adminBrowser.get('/admin/journal?action=reminder_rule.updated');
    expect(unescaped(journal.text)).toContain('Règle de relance modifiée');
    expect(journal.text).toContain('<strong>Jours avant la date</strong> : 90, 30, 7 → 120, 60, 7');
    expect(journal.text).toContain('<strong>Heure d’envoi</strong> : 08:00 → 09:30');
    expect(journal.text).toContain('<strong>Active</strong> : oui → non');
  });

  test('refused input: 422 with the message next to the field and what was typed, nothing written (plain form and htmx)', async () => {
    const before = await readRuleSettings(harness.db);
    const plain = await adminBrowser.post('/admin/relances/task.due_today', { enabled: '1', offsetsDays: 'demain', sendTime: '25:00' });
    expect(plain.status).toBe(422);
    const card = /<section[^>]*id="rule-task-due_today"[\s\S]*?<\/section>/.exec(plain.text)?.[0] ?? '';
    expect(unescaped(card)).toContain('Indiquez des nombres entiers de jours entre 0 et 365');
    expect(card).toContain('Indiquez une heure au format HH:MM');
    expect(card).toContain('value="demain"');
    expect(card).toContain('value="25:00"');
    expect(card).toContain('aria-invalid="true"');

    const swapped = await adminBrowser.post('/admin/relances/task.due_today', { enabled: '1', offsetsDays: '400', sendTime: '08:00' }, { headers: { 'HX-Request': 'true' } });
    expect(swapped.status).toBe(422);
    expect(swapped.text.trim().startsWith('{{!--') || swapped.text.trim().startsWith('<section')).toBe(true);
    expect(swapped.text).not.toContain('<html');
    expect(unescaped(swapped.text)).toContain('Indiquez des nombres entiers de jours');
    expect(await readRuleSettings(harness.db)).toEqual(before);
    expect(await auditsOf('reminder_rule.updated', 'task.due_today')).toHaveLength(0);

    // With htmx a valid form comes back as the card, with its confirmation.
    const ok = await adminBrowser.post('/admin/relances/task.due_today', { enabled: '1', offsetsDays: '0', sendTime: '07:45' }, { headers: { 'HX-Request': 'true' } });
    expect(ok.status).toBe(200);
    expect(ok.headers['hx-trigger']).toBe('reminder-rule-saved');
    expect(unescaped(ok.text)).toContain('Règle « Tâche à échéance aujourd’hui » enregistrée.');
    expect(ok.text).toContain('le jour même à 07:45');
  });

  test('the preview lists what the rules would send in the next 30 days and to whom, filtered by rule and recipient', async () => {
    const today = parisDayOf(new Date());
    const other = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Octave Autre' });
    await harness.db.insert(tasks).values([
      { title: 'Envoyer la convention signée', dueOn: addParisDays(today, 5), assigneeId: charge.id, createdById: charge.id },
      { title: 'Préparer le comité', dueOn: addParisDays(today, 2), assigneeId: other.id, createdById: other.id },
      { title: 'Trop loin', dueOn: addParisDays(today, 45), assigneeId: charge.id, createdById: charge.id },
    ]);
    const page = await adminBrowser.get('/admin/relances');
    const preview = /<div id="reminders-preview"[\s\S]*$/.exec(page.text)?.[0] ?? '';
    expect(preview).toContain('Envoyer la convention signée');
    expect(preview).toContain('Préparer le comité');
    expect(preview).not.toContain('Trop loin');
    expect(preview).toContain('Éloïse Chargée');

    const filtered = await adminBrowser.get('/admin/relances?regle=task.due_today&destinataire=eloise', { 'HX-Request': 'true', 'HX-Target': 'reminders-preview' });
    expect(filtered.text.trim().startsWith('{{!--') || filtered.text.includes('<div id="reminders-preview"')).toBe(true);
    expect(filtered.text).not.toContain('<html');
    expect(filtered.text).toContain('Envoyer la convention signée');
    expect(filtered.text).not.toContain('Préparer le comité');
    const rows = [...filtered.text.matchAll(/<tr>\s*<td>/g)];
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(unescaped(filtered.text)).not.toMatch(/Rendez-vous ou événement demain <span/);

    // By date (the default) Octave's task comes first (due sooner); sorted by recipient, Éloïse's.
    const byDate = await adminBrowser.get('/admin/relances?regle=task.due_today');
    expect(byDate.text.indexOf('Octave Autre')).toBeLessThan(byDate.text.indexOf('Éloïse Chargée'));
    const byRecipient = await adminBrowser.get('/admin/relances?regle=task.due_today&tri=destinataire');
    expect(byRecipient.text.indexOf('Éloïse Chargée')).toBeLessThan(byRecipient.text.indexOf('Octave Autre'));
    expect(byRecipient.text).toMatch(/<option value="destinataire" selected>/);

    const nothing = await adminBrowser.get('/admin/relances?regle=digest.daily&destinataire=personne-inconnue');
    expect(unescaped(nothing.text)).toContain('Aucune relance prévue dans les 30 prochains jours avec ces filtres.');
  });

  test('a person chooses per rule in /compte; « aucun » is refused for a mandatory rule; the choice is journaled', async () => {
    const account = await chargeBrowser.get('/compte');
    expect(account.status).toBe(200);
    const section = /<section class="fr-mt-4w" id="relances"[\s\S]*?<\/section>/.exec(account.text)?.[0] ?? '';
    expect(section).toContain('name="mode[task.due_today]" value="courriel" checked');
    // The notice deadline is mandatory: « Aucune » cannot be chosen. The partner rule is not a user's.
    expect(section).toMatch(/name="mode\[convention\.notice\]" value="aucun" disabled/);
    expect(section).not.toContain('event.partner_day_before');
    // meeting.day_before was switched off above: said so.
    expect(unescaped(section)).toContain('Désactivée par l’administration pour le moment.');

    const saved = await chargeBrowser.post('/compte/relances', { 'mode[task.due_today]': 'resume', 'mode[convention.end]': 'aucun', 'mode[convention.notice]': 'courriel' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/compte#relances');
    const choices = (await readUserPreferences(harness.db, [charge.id])).get(charge.id);
    expect(choices).toEqual({ 'task.due_today': 'resume', 'convention.end': 'aucun' });
    const [audit] = await auditsOf('reminder_preferences.updated', charge.id);
    expect(audit?.changes).toEqual({ 'task.due_today': { before: 'courriel', after: 'resume' }, 'convention.end': { before: 'courriel', after: 'aucun' } });
    const after = await chargeBrowser.get('/compte');
    expect(after.text).toContain('Vos choix de relances sont enregistrés.');
    expect(after.text).toContain('name="mode[task.due_today]" value="resume" checked');

    const refused = await chargeBrowser.post('/compte/relances', { 'mode[convention.notice]': 'aucun', 'mode[task.due_today]': 'courriel' });
    expect(refused.status).toBe(422);
    expect(unescaped(refused.text)).toContain('Cette relance est obligatoire : elle ne peut pas être coupée.');
    // Only the « Relances » form says it has errors, not the password form next to it.
    expect(refused.text).not.toContain('id="form-errors"');
    expect((await readUserPreferences(harness.db, [charge.id])).get(charge.id)).toEqual(choices);
    const bogus = await chargeBrowser.post('/compte/relances', { 'mode[task.due_today]': 'pigeon' });
    expect(bogus.status).toBe(422);
    // The digest is itself the « résumé »: a courriel or nothing.
    expect(section).not.toContain('name="mode[digest.daily]" value="resume"');
    expect((await chargeBrowser.post('/compte/relances', { 'mode[digest.daily]': 'resume' })).status).toBe(422);

    // The admin journal names the rule and the modes.
    const journal = await adminBrowser.get('/admin/journal?action=reminder_preferences.updated');
    expect(unescaped(journal.text)).toContain('<strong>Tâche à échéance aujourd’hui</strong> : Courriel → Résumé quotidien');

    // When an admin makes a rule mandatory, a person's « aucun » counts as « courriel ».
    await adminBrowser.post('/admin/relances/convention.end', { enabled: '1', mandatory: '1', offsetsDays: '120, 60, 7', sendTime: '09:30' });
    const locked = await chargeBrowser.get('/compte');
    expect(locked.text).toContain('name="mode[convention.end]" value="courriel" checked');
    const [kept] = await harness.db.select().from(userReminderPreferences).where(and(eq(userReminderPreferences.userId, charge.id), eq(userReminderPreferences.ruleCode, 'convention.end')));
    expect(kept?.mode).toBe('aucun');
  });
});
