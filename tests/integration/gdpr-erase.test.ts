// GDPR erasure (RGPD art. 17) reaches every place the person's data is kept: the person takes
// part in everything that stores a name, an address or a number (a form, an edit, a position,
// a merge, imports with an update and a row in error, e-mails sent and still to send, a notice,
// a convention they sign), is erased, and then the WHOLE database — every text, json, array,
// tsvector and bytea column of every table of the public schema — is searched for their name,
// e-mails and phone numbers. Nothing may be found.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { rowsOf } from '../../src/models/database';
import { auditLog, contactUnits, contacts, conventionParties, conventions, devMailbox, emails, exchangeContacts, exchangeOrganizations, exchanges, importBatches, importFileChunks, importRows, notifications, sessions, tasks, workflowRuns, workflowSteps } from '../../src/models/schema';
import { recordAudit } from '../../src/services/audit.service';
import { insertNotifications } from '../../src/models/workflows.model';
import { inTransaction } from '../../src/services/context';
import { createImportBatch, saveMapping, startImport } from '../../src/services/imports.service';
import { queueEmail } from '../../src/services/mail.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

/**
 * The places erasure reaches (docs/gdpr.md keeps the same list). Each is filled below before
 * the erasure; the whole-database search then proves none of them keeps the person.
 */
const PLACES = [
  'contacts — the record and the records merged into it (search_name and search_document are generated: they follow)',
  'audit_log.changes — diffs of the person, their affiliations, their merges, and any entry holding their e-mail or phone',
  'audit_log.metadata — « mergedLabel » of the contact.merged entries, export filters and any other value naming them',
  'record_merges.kept_before / merged_before — merge snapshots',
  'import_rows.before — values an import update replaced (kept for a revert)',
  'import_rows.cells / errors — rows in error carrying the person (the error file is built from them)',
  'import_file_chunks — the stored file of finished imports that carried the person',
  'emails — to_address, subject, payload of e-mails to the person (pending ones cancelled)',
  'dev_mailbox — messages kept by the development SMTP sink',
  'notifications.title and workflow_steps.comment — the name replaced by « Personne effacée »',
  'sessions.data — a confirmation naming the person not yet shown',
  'exchanges.summary / notes / place / tags and tasks.title / description — the name, address or number replaced by « Personne effacée »; the links stay',
  'audit_log.changes of exchanges and tasks — their texts as journaled, scrubbed the same way',
] as const;

const FIRST = 'Philibertine';
const LAST = 'Quenouillard';
const EMAIL = 'p.quenouillard@exemple-rgpd.fr';
const OTHER_EMAIL = 'philibertine.q@perso-rgpd.fr';
const PHONE = '06 47 25 81 39';
const PHONE_E164 = '+33647258139';
/** A new number an import brings (the number it replaces is kept for a revert). */
const NEW_PHONE = '07 58 31 92 46';
/** What is searched for: the name, every address and the number as stored and as written. */
const NEEDLES = [FIRST, LAST, EMAIL, OTHER_EMAIL, 'exemple-rgpd', 'perso-rgpd', PHONE_E164, PHONE, '0647258139', '647258139', NEW_PHONE, '758319246'];

let harness: TestApp;
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-gdpr-test-'));

beforeAll(async () => {
  harness = await startTestApp({ worker: true });
});
afterAll(async () => {
  await harness.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

/** Every column of the public schema that can hold text, as `table.column` with where it was found. */
async function searchWholeDatabase(needles: string[]): Promise<string[]> {
  const columns = rowsOf<{ table_name: string; column_name: string; data_type: string }>(
    await harness.db.execute(sql`
      select c.table_name, c.column_name, c.data_type
        from information_schema.columns c
        join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
       where c.table_schema = 'public'
         and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'bytea', 'tsvector', 'USER-DEFINED'))
       order by 1, 2`),
  );
  expect(columns.length).toBeGreaterThan(100);
  const patterns = sql`array[${sql.join(needles.map((needle) => sql`${`%${needle}%`}`), sql`, `)}]::text[]`;
  const found: string[] = [];
  for (const column of columns) {
    const name = sql.identifier(column.column_name);
    const table = sql.identifier(column.table_name);
    // bytea: its escaped form, so text inside a stored file is found too.
    const asText = column.data_type === 'bytea' ? sql`encode(${name}, 'escape')` : sql`${name}::text`;
    const [row] = rowsOf<{ n: number }>(await harness.db.execute(sql`select count(*)::int as n from ${table} where ${asText} ilike any(${patterns})`));
    if ((row?.n ?? 0) > 0) found.push(`${column.table_name}.${column.column_name} (${row?.n} row(s))`);
  }
  return found;
}

async function importContacts(importer: Awaited<ReturnType<typeof buildUser>>, fileName: string, lines: string[]) {
  const file = path.join(tmpDir, fileName);
  fs.writeFileSync(file, lines.join('\n'));
  const ctx = await harness.context(importer);
  const batch = await createImportBatch(ctx, { entityType: 'contacts', fileName, filePath: file, size: fs.statSync(file).size }, { maxBytes: 1024 * 1024, maxRows: 100 });
  const columns = Object.fromEntries(Object.entries(batch.mapping).map(([index, field]) => [`column_${index}`, field]));
  await saveMapping(ctx, batch.id, { ...columns, matchKey: 'email', mode: 'create_and_update', defaultKindCode: 'entreprise' });
  await startImport(ctx, batch.id);
  // The worker runs it (outbox → BullMQ → import job).
  await eventually(async () => (await harness.db.select().from(importBatches).where(and(eq(importBatches.id, batch.id), eq(importBatches.status, 'completed'))))[0], 20_000);
  return batch.id;
}

test('after erasing a person, nothing in the whole database holds their name, e-mails or phone', async () => {
  const admin = await buildUser(harness.db, { roles: ['admin'] });
  const chargeUser = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
  const adminBrowser = new TestBrowser(harness.app);
  await adminBrowser.login(admin.email);
  const charge = new TestBrowser(harness.app);
  await charge.login(chargeUser.email);
  const organization = await buildOrganization(harness.db, { name: 'Lycée des Écluses', kindCode: 'entreprise', unitCodes: ['DDPSI'] });

  // Created through the form: the journal gets the values, the session a confirmation naming
  // her (the chargé does not follow the redirect, so it waits in the session).
  await charge.get('/contacts/nouveau');
  const created = await charge.post('/contacts/nouveau', {
    civility: 'Mme',
    firstName: FIRST,
    lastName: LAST,
    emails: EMAIL,
    phones: PHONE,
    legalBasis: 'interet_legitime',
    organizationId: organization.id,
    role: 'Proviseure adjointe',
    notes: `Rencontrée avec ${FIRST} ${LAST} au salon`,
  });
  expect(created.status).toBe(303);
  const [person] = await harness.db.select().from(contacts).where(eq(contacts.lastName, LAST));
  if (!person) throw new Error('contact not created');
  expect(person.phones).toEqual([PHONE_E164]);

  // An edit (a before/after diff) by the admin.
  await adminBrowser.get(`/contacts/${person.id}/modifier`);
  const edited = await adminBrowser.post(`/contacts/${person.id}/modifier`, {
    civility: 'Mme',
    firstName: FIRST,
    lastName: LAST,
    jobTitle: 'Proviseure adjointe',
    emails: EMAIL,
    phones: PHONE,
    legalBasis: 'interet_legitime',
    unitIds: (await harness.db.select().from(contactUnits).where(eq(contactUnits.contactId, person.id))).map((row) => row.unitId),
    confirmDuplicates: 'on',
  });
  expect(edited.status).toBe(303);

  // A duplicate record of her, merged into hers: contact.merged rows carry « mergedLabel ».
  const duplicate = await buildContact(harness.db, { firstName: FIRST, lastName: LAST, emails: [OTHER_EMAIL], phones: [PHONE_E164] });
  expect((await adminBrowser.post(`/doublons/contacts/${person.id}/${duplicate.id}`, {})).status).toBe(303);
  const mergedEntries = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'contact.merged'), eq(auditLog.entityId, duplicate.id)));
  expect(mergedEntries[0]?.metadata).toMatchObject({ mergedLabel: `${FIRST} ${LAST}` });

  // Imports: one updates her (the replaced values are kept for a revert) and has a row in
  // error carrying her (kept for the error file); both files are stored in the database.
  const updateBatch = await importContacts(chargeUser, 'mise-a-jour.csv', [
    'Civilité;Prénom;Nom;Courriel;Téléphone;Fonction',
    `Mme;${FIRST};${LAST};${EMAIL};${NEW_PHONE};Proviseure`,
    // An invalid e-mail, the match key, rejects the row (an invalid optional cell would only warn).
    `Mme;${FIRST};${LAST};${FIRST}-sans-arobase;${PHONE};Proviseure`,
  ]);
  const updateRows = await harness.db.select().from(importRows).where(eq(importRows.batchId, updateBatch));
  expect(updateRows.map((row) => row.outcome).sort()).toEqual(['error', 'updated']);
  expect(JSON.stringify(updateRows)).toContain(LAST);

  // A convention she signs for her organisation.
  const [convention] = await harness.db.insert(conventions).values({ reference: 'CONV-2026-9701', title: 'Convention des Écluses', kind: 'partenariat' }).returning();
  await harness.db.insert(conventionParties).values({ conventionId: convention!.id, organizationId: organization.id, signatoryContactId: person.id, role: 'Établissement' });

  // E-mails: one delivered (outbox → worker → SMTP → development mailbox), one still to send.
  const ctx = await harness.context(admin);
  await inTransaction(ctx, (tx) =>
    queueEmail(tx, {
      to: EMAIL,
      template: 'workflow_notice',
      data: { displayName: `${FIRST} ${LAST}`, stepLabel: 'Signature', subject: 'Convention des Écluses', circuit: 'Conventions', link: 'http://passerelle.test/' },
      idempotencyKey: `gdpr-test-sent-${person.id}`,
    }),
  );
  await eventually(async () => (await harness.db.select().from(devMailbox).where(sql`${EMAIL} = any(${devMailbox.envelopeTo})`))[0], 20_000);
  await eventually(async () => (await harness.db.select().from(emails).where(and(eq(emails.toAddress, EMAIL), eq(emails.status, 'sent'))))[0], 20_000);
  await harness.db.insert(emails).values({
    idempotencyKey: `gdpr-test-pending-${OTHER_EMAIL}`,
    toAddress: OTHER_EMAIL,
    template: 'workflow_notice',
    subject: `Passerelle : Signature — ${FIRST} ${LAST}`,
    payload: { displayName: `${FIRST} ${LAST}`, phone: PHONE_E164 },
  });

  // A decision on the convention's circuit whose comment names her.
  const [run] = await harness.db
    .insert(workflowRuns)
    .values({ definitionKey: 'convention', definitionVersion: 1, definition: {}, subjectType: 'convention', subjectId: convention!.id, status: 'approved', startedAt: new Date() })
    .returning();
  await harness.db.insert(workflowSteps).values({
    runId: run!.id,
    stageIndex: 0,
    stepKey: 'juridique',
    label: 'Avis juridique',
    kind: 'approval',
    parallelGroup: 'juridique',
    status: 'approved',
    decision: 'approve',
    comment: `Signature de ${FIRST} ${LAST} vérifiée (${EMAIL}).`,
  });

  // A notice to the admin naming her.
  await insertNotifications(harness.db, [{ userId: admin.id, kind: 'workflow.notice', title: `Relancer ${FIRST} ${LAST} pour la signature`, link: `/conventions/${convention!.id}` }]);
  const [session] = await harness.db.select().from(sessions).where(sql`${sessions.data}::text ilike ${`%${LAST}%`}`);
  expect(session).toBeDefined();

  // A meeting with her, logged with her name, address and number in its texts, a task naming
  // her, and the journal entry of the meeting (its values hold the same texts).
  const meetingAt = new Date('2026-11-02T09:00:00Z');
  const [meeting] = await harness.db
    .insert(exchanges)
    .values({
      kind: 'rendez_vous',
      occurredAt: meetingAt,
      summary: `Rendez-vous avec ${FIRST} ${LAST}`,
      notes: `${LAST} ${FIRST} rappellera au ${PHONE} ou écrira à ${EMAIL}.`,
      place: `Bureau de ${FIRST} ${LAST}`,
      tags: ['lycée', `${FIRST} ${LAST}`],
      authorId: chargeUser.id,
    })
    .returning();
  await harness.db.insert(exchangeOrganizations).values({ exchangeId: meeting!.id, organizationId: organization.id, occurredAt: meetingAt });
  await harness.db.insert(exchangeContacts).values({ exchangeId: meeting!.id, contactId: person.id, occurredAt: meetingAt });
  await harness.db.insert(tasks).values({ title: `Envoyer la convention à ${FIRST} ${LAST}`, description: `Son adresse : ${EMAIL}`, dueOn: '2026-12-01', assigneeId: chargeUser.id, exchangeId: meeting!.id, contactId: person.id });
  await inTransaction(ctx, (tx) =>
    recordAudit(tx, ctx, { action: 'exchange.created', entityType: 'exchange', entityId: meeting!.id, after: { summary: meeting!.summary }, metadata: { related: [organization.id, person.id] } }),
  );

  // An export of the contacts filtered on her name: the journal keeps the filter used.
  const exported = await charge.get(`/contacts/export.csv?q=${encodeURIComponent(LAST)}`);
  expect(exported.status).toBe(200);
  const exportEntries = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'contact.exported'));
  expect(JSON.stringify(exportEntries.map((entry) => entry.metadata))).toContain(LAST);

  // Before: the person is in many places.
  const before = await searchWholeDatabase(NEEDLES);
  for (const place of ['exchanges.summary', 'exchanges.notes', 'exchanges.search_document', 'tasks.title', 'tasks.description', 'contacts.last_name', 'audit_log.changes', 'audit_log.metadata', 'record_merges.kept_before', 'import_rows.cells', 'import_rows.before', 'import_file_chunks.data', 'emails.to_address', 'dev_mailbox.to_header', 'notifications.title', 'workflow_steps.comment', 'sessions.data']) {
    expect([place, before.some((entry) => entry.startsWith(`${place} `))]).toEqual([place, true]);
  }

  await adminBrowser.get(`/contacts/${person.id}/effacer`);
  expect((await adminBrowser.post(`/contacts/${person.id}/effacer`, { reason: 'Demande écrite reçue le 12/11/2026' })).status).toBe(303);

  // After: nowhere.
  expect(await searchWholeDatabase(NEEDLES)).toEqual([]);

  // What stays: the rows (counts, links, who erased and why) without the person.
  const [erased] = await harness.db.select().from(contacts).where(eq(contacts.id, person.id));
  expect(erased).toMatchObject({ lastName: 'Personne effacée', firstName: '', emails: [], phones: [] });
  const [party] = await harness.db.select().from(conventionParties).where(eq(conventionParties.conventionId, convention!.id));
  expect(party?.signatoryContactId).toBe(person.id);
  const [pending] = await harness.db.select().from(emails).where(eq(emails.template, 'workflow_notice')).orderBy(emails.createdAt);
  expect(pending).toBeDefined();
  const mails = await harness.db.select().from(emails).where(eq(emails.toAddress, 'Personne effacée'));
  expect(mails.map((mail) => mail.status).sort()).toEqual(['failed', 'sent']);
  expect(await harness.db.select().from(importFileChunks).where(eq(importFileChunks.batchId, updateBatch))).toEqual([]);
  const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, updateBatch));
  expect(batch?.status).toBe('completed');
  const [notice] = await harness.db.select().from(notifications).where(eq(notifications.userId, admin.id));
  expect(notice?.title).toBe('Relancer Personne effacée pour la signature');
  const [step] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.runId, run!.id));
  expect(step?.comment).toBe('Signature de Personne effacée vérifiée (Personne effacée).');
  const erasure = (await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, person.id), eq(auditLog.action, 'contact.erased'))))[0];
  expect(erasure?.metadata).toMatchObject({ reason: 'Demande écrite reçue le 12/11/2026' });
  const places = (erasure?.metadata as { places: Record<string, number> }).places;
  // The meeting and the task keep their sense and their links, not the person.
  const [scrubbed] = await harness.db.select().from(exchanges).where(eq(exchanges.id, meeting!.id));
  expect(scrubbed).toMatchObject({ summary: 'Rendez-vous avec Personne effacée', place: 'Bureau de Personne effacée', tags: ['lycée', 'Personne effacée'] });
  expect(scrubbed?.notes).toBe('Personne effacée rappellera au Personne effacée ou écrira à Personne effacée.');
  expect(await harness.db.select().from(exchangeContacts).where(eq(exchangeContacts.exchangeId, meeting!.id))).toHaveLength(1);
  const [task] = await harness.db.select().from(tasks).where(eq(tasks.exchangeId, meeting!.id));
  expect(task).toMatchObject({ title: 'Envoyer la convention à Personne effacée', description: 'Son adresse : Personne effacée' });
  for (const key of ['exchanges', 'tasks', 'auditExchanges', 'auditMerges', 'importRowsBefore', 'importRowsChanges', 'importRowsCells', 'importFiles', 'emails', 'devMailbox', 'notifications', 'workflowComments', 'sessionFlashes']) {
    expect(places[key]).toBeGreaterThan(0);
  }
  expect(PLACES.length).toBe(13);
});

test('erasing a person known by one short name leaves other people’s texts alone', async () => {
  const admin = await buildUser(harness.db, { roles: ['admin'] });
  const browser = new TestBrowser(harness.app);
  await browser.login(admin.email);
  // « Ali », no first name: the letters appear in « Validation », « Alice », « Bali »…
  const ali = await buildContact(harness.db, { firstName: '', lastName: 'Ali', emails: ['ali.k@exemple-rgpd.fr'] });
  const others = ['Validation direction demandée', 'Relancer Alice Martin pour la signature', 'Point avec l’équipe de Bali'];
  await insertNotifications(harness.db, others.map((title) => ({ userId: admin.id, kind: 'workflow.notice', title, link: null })));
  await browser.get(`/contacts/${ali.id}/effacer`);
  expect((await browser.post(`/contacts/${ali.id}/effacer`, { reason: 'Demande orale du 02/12/2026' })).status).toBe(303);
  const titles = (await harness.db.select().from(notifications).where(eq(notifications.userId, admin.id))).map((notice) => notice.title).sort();
  expect(titles).toEqual([...others].sort());
  const [erased] = await harness.db.select().from(contacts).where(eq(contacts.id, ali.id));
  expect(erased?.lastName).toBe('Personne effacée');
});
