// "Doublons probables", the merge screen, merging and undoing, through HTTP as the forms send
// them: pairs by score with their reasons, dismissals, relations moved and put back exactly,
// redirects from the merged record, journal entries, and the refusals.
import { and, eq, inArray } from 'drizzle-orm';
import { affiliations, auditLog, contactUnits, contacts, conventionParties, conventions, duplicateNamePairs, organizationUnits, organizations, recordMerges } from '../../src/models/schema';
import { runDuplicatesScan } from '../../src/jobs/system.jobs';
import { findOrganizationDuplicates } from '../../src/services/duplicates.service';
import { listUnits } from '../../src/models/units.model';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('duplicates and merges', () => {
  let harness: TestApp;
  let manager: TestBrowser;
  let admin: TestBrowser;
  let reader: TestBrowser;
  let charge: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    manager = new TestBrowser(harness.app);
    await manager.login((await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] })).email);
    admin = new TestBrowser(harness.app);
    await admin.login((await buildUser(harness.db, { roles: ['admin'] })).email);
    reader = new TestBrowser(harness.app);
    await reader.login((await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] })).email);
    charge = new TestBrowser(harness.app);
    await charge.login((await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] })).email);
  });
  afterAll(() => harness.close());

  async function organization(id: string) {
    const [row] = await harness.db.select().from(organizations).where(eq(organizations.id, id));
    return row;
  }

  async function affiliationRows(ids: string[]) {
    return harness.db
      .select({ id: affiliations.id, contactId: affiliations.contactId, organizationId: affiliations.organizationId, isPrimary: affiliations.isPrimary, endDate: affiliations.endDate, role: affiliations.role })
      .from(affiliations)
      .where(inArray(affiliations.organizationId, ids))
      .orderBy(affiliations.id);
  }

  async function unitIdsOf(organizationId: string) {
    const rows = await harness.db.select().from(organizationUnits).where(eq(organizationUnits.organizationId, organizationId));
    return rows.map((row) => row.unitId).sort();
  }

  test('lists pairs by score with their reasons, filters by reason, and forgets a dismissed pair', async () => {
    const siretA = await buildOrganization(harness.db, { name: 'Institut Kerguelen des métiers', siret: '18000000200006', siren: '180000002' });
    const siretB = await buildOrganization(harness.db, { name: 'IKM Formation continue', siret: '18000000200006', siren: '180000002' });
    const domainA = await buildOrganization(harness.db, { name: 'Fablab des Pléiades', website: 'https://www.pleiades-lab.example.fr' });
    const domainB = await buildOrganization(harness.db, { name: 'Association Orion', website: 'http://pleiades-lab.example.fr/contact' });
    const nameA = await buildOrganization(harness.db, { name: 'Lycée polyvalent Marguerite Perey', communeCode: '75056' });
    const nameB = await buildOrganization(harness.db, { name: 'Lycee polyvalent Marguerite-Perey', communeCode: '75056' });

    const page = await reader.get('/doublons');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Doublons probables');
    const positions = [siretA.name, domainA.name, nameA.name].map((name) => page.text.indexOf(name));
    expect(positions.every((position) => position > 0)).toBe(true);
    // The same name (50) before a SIRET or a website shared by records whose names differ (hints, ≤ 45).
    expect(positions[2]).toBeLessThan(positions[0] as number);
    expect(positions[2]).toBeLessThan(positions[1] as number);
    expect(page.text).toContain('Même SIRET, noms différents');
    expect(page.text).toContain('Même site web (pleiades-lab.example.fr), noms différents');
    expect(page.text).toMatch(/Nom très proche \(\d+ %\)/);
    // Readers see the list but no merge or dismiss buttons.
    expect(page.text).not.toContain('Pas un doublon');

    const byDomain = await reader.get('/doublons?type=structures&motif=site');
    expect(byDomain.text).toContain(domainB.name);
    expect(byDomain.text).not.toContain(siretB.name);
    // The htmx filter asks for the pairs block only.
    const fragment = await reader.get('/doublons?motif=uai', { 'HX-Request': 'true', 'HX-Target': 'duplicate-pairs' });
    expect(fragment.text.startsWith('<div id="duplicate-pairs"')).toBe(true);

    const listed = await manager.get('/doublons');
    expect(listed.text).toContain('Pas un doublon');
    const [firstId, secondId] = [domainA.id, domainB.id].sort();
    // The htmx dismissal answers with an empty row and the message out of band.
    const htmx = await manager.post('/doublons/ecarter', { type: 'structures', firstId: secondId as string, secondId: firstId as string }, { headers: { 'HX-Request': 'true' } });
    expect(htmx.status).toBe(200);
    expect(htmx.text).toContain('hx-swap-oob="true"');
    expect(htmx.text).toContain('La paire est écartée');
    expect((await manager.get('/doublons')).text).not.toContain(domainB.name);
    // Without JavaScript: POST, redirect, message.
    const plain = await manager.post('/doublons/ecarter', { type: 'structures', firstId: nameA.id, secondId: nameB.id });
    expect(plain.status).toBe(303);
    const after = await manager.get('/doublons?type=structures');
    expect(after.text).toContain('La paire est écartée');
    expect(after.text).not.toContain(nameB.name);
    const audit = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'duplicates.dismissed'));
    expect(audit).toHaveLength(2);
    // Readers may not dismiss.
    expect((await reader.post('/doublons/ecarter', { type: 'structures', firstId: siretA.id, secondId: siretB.id })).status).toBe(403);
  });

  test('similar names beyond the recent window are found by the background scan, once', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    const first = await buildOrganization(harness.db, { name: 'Conservatoire régional de Bayonne-Anglet', communeCode: '64102', updatedAt: old });
    const second = await buildOrganization(harness.db, { name: 'Conservatoire regional Bayonne Anglet', communeCode: '64102', updatedAt: old });
    // Sixty more recent records push the pair out of the list's live pass.
    for (let index = 0; index < 60; index += 1) await buildOrganization(harness.db, { name: `Entreprise récente ${index} ${Math.random().toString(36).slice(2, 8)}` });
    const before = await manager.get('/doublons?reason=nom');
    expect(before.text).not.toContain('Conservatoire regional Bayonne Anglet');

    const scan = await runDuplicatesScan(harness.db);
    expect(scan.scanned).toBeGreaterThanOrEqual(62);
    const again = await runDuplicatesScan(harness.db);
    expect(again.scanned).toBe(0); // up to date: nothing compared twice
    const pairs = await harness.db.select().from(duplicateNamePairs);
    const [low, high] = [first.id, second.id].sort();
    expect(pairs.filter((pair) => pair.firstId === low && pair.secondId === high)).toHaveLength(1);
    const after = await manager.get('/doublons?reason=nom');
    expect(after.text).toContain('Conservatoire regional Bayonne Anglet');

    // Renaming one of them: its pairs are computed again at the next scan.
    await harness.db.update(organizations).set({ name: 'Musée basque de Bayonne', updatedAt: new Date() }).where(eq(organizations.id, second.id));
    await runDuplicatesScan(harness.db);
    const renamed = await harness.db.select().from(duplicateNamePairs);
    expect(renamed.some((pair) => pair.firstId === low && pair.secondId === high)).toBe(false);
  });

  test('contacts sharing an e-mail, or with the same name in the same organisation, are listed', async () => {
    const employer = await buildOrganization(harness.db, { name: 'Rectorat de Clipperton' });
    await buildContact(harness.db, { firstName: 'Odile', lastName: 'Vasseur-Test', emails: ['odile.vasseur@clipperton.example.fr'] });
    await buildContact(harness.db, { firstName: 'O.', lastName: 'Vasseur', emails: ['Odile.Vasseur@clipperton.example.fr'] });
    await buildContact(harness.db, { firstName: 'Basile', lastName: 'Tranchant', organizationId: employer.id });
    await buildContact(harness.db, { firstName: 'Basile', lastName: 'Tranchant', organizationId: employer.id });
    const page = await reader.get('/doublons?type=contacts');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Même adresse électronique (odile.vasseur@clipperton.example.fr)');
    expect(page.text).toContain('Même nom, même structure (Rectorat de Clipperton)');
    const byName = await reader.get('/doublons?type=contacts&motif=nom');
    expect(byName.text).toContain('Basile Tranchant');
    expect(byName.text).not.toContain('Vasseur');
  });

  test('a merge keeps the chosen values, moves people, children and units, redirects the old URL; an admin undoes it exactly', async () => {
    const units = await listUnits(harness.db);
    const ddpsi = units.find((unit) => unit.code === 'DDPSI')?.id as string;
    const uoPro = units.find((unit) => unit.code === 'UO-PRO')?.id as string;
    const kept = await buildOrganization(harness.db, { name: 'Université de Tromelin', phone: '+33100000001', uai: ['0970001A'], tags: ['supérieur'], unitCodes: ['DDPSI'] });
    const merged = await buildOrganization(harness.db, {
      name: 'Univ. Tromelin',
      phone: '+33100000002',
      email: 'contact@tromelin.example.fr',
      uai: ['0970002B'],
      tags: ['recherche'],
      unitCodes: ['DDPSI', 'UO-PRO'],
    });
    const child = await buildOrganization(harness.db, { name: 'IUT de Tromelin', parentId: merged.id });
    const stays = await buildContact(harness.db, { firstName: 'Aline', lastName: 'Reste', organizationId: kept.id });
    const moves = await buildContact(harness.db, { firstName: 'Bruno', lastName: 'Déménage', organizationId: merged.id, role: 'Directeur' });
    // Affiliated to both: after the merge, one current position, still primary.
    const both = await buildContact(harness.db, { firstName: 'Chloé', lastName: 'Double', organizationId: merged.id });
    await harness.db.insert(affiliations).values({ contactId: both.id, organizationId: kept.id, isPrimary: false });
    const relationsBefore = await affiliationRows([kept.id, merged.id]);
    const keptBefore = await organization(kept.id);
    const mergedBefore = await organization(merged.id);

    const screen = await manager.get(`/doublons/structures/${kept.id}/${merged.id}`);
    expect(screen.status).toBe(200);
    expect(screen.text).toContain('Fusionner deux fiches');
    expect(screen.text).toContain(`href="/doublons/structures/${merged.id}/${kept.id}"`);
    // Default: the kept value, or the other one where the kept record has none.
    expect(screen.text).toMatch(/id="choice-email-merged" name="choice\[email\]" value="merged" checked/);
    expect(screen.text).toMatch(/id="choice-phone-kept" name="choice\[phone\]" value="kept" checked/);

    const response = await manager.post(`/doublons/structures/${kept.id}/${merged.id}`, { 'choice[phone]': 'merged', 'choice[name]': 'kept' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`/structures/${kept.id}`);

    const keptAfter = await organization(kept.id);
    expect(keptAfter).toMatchObject({ name: 'Université de Tromelin', phone: '+33100000002', email: 'contact@tromelin.example.fr' });
    expect(keptAfter?.uai.sort()).toEqual(['0970001A', '0970002B']);
    expect(keptAfter?.tags.sort()).toEqual(['recherche', 'supérieur']);
    expect(await unitIdsOf(kept.id)).toEqual([ddpsi, uoPro].sort());
    expect((await organization(merged.id))?.mergedIntoId).toBe(kept.id);
    expect((await organization(child.id))?.parentId).toBe(kept.id);
    const relations = await affiliationRows([kept.id, merged.id]);
    expect(relations.every((row) => row.organizationId === kept.id)).toBe(true);
    expect(relations.filter((row) => row.contactId === both.id)).toEqual([expect.objectContaining({ isPrimary: true })]);
    expect(relations.map((row) => row.contactId).sort()).toEqual([stays.id, moves.id, both.id].sort());

    // The old address leads to the kept record, which shows the moved person and the merge.
    const old = await reader.get(`/structures/${merged.id}`);
    expect([301, 302, 303]).toContain(old.status);
    expect(old.headers.location).toBe(`/structures/${kept.id}`);
    const page = await manager.get(`/structures/${kept.id}`);
    expect(page.text).toContain('Les fiches sont fusionnées.');
    expect(page.text).toContain('Bruno Déménage');
    expect(page.text).toContain('Structures fusionnées');
    const audit = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'organization.merged'));
    expect(audit.map((entry) => entry.entityId).sort()).toEqual([kept.id, merged.id].sort());
    const [merge] = await harness.db.select().from(recordMerges).where(eq(recordMerges.keptId, kept.id));
    expect(merge?.movedRelations['organizations.parent_id']).toEqual([child.id]);
    expect(merge?.movedRelations['affiliations.removed']).toHaveLength(1);

    // Merging it again is refused with a clear message, and changes nothing.
    const again = await manager.post(`/doublons/structures/${kept.id}/${merged.id}`, {});
    expect(again.status).toBe(409);
    expect(again.text).toContain('a déjà été fusionnée dans une autre fiche');

    // Managers may not undo; admins may.
    const list = await admin.get(`/doublons/fusions?type=structures&fiche=${kept.id}`);
    expect(list.text).toContain('Annuler la fusion');
    expect((await manager.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(403);
    const undo = await admin.post(`/doublons/fusions/${merge?.id}/annuler`);
    expect(undo.status).toBe(303);
    expect(undo.headers.location).toBe(`/structures/${kept.id}`);

    const keptRestored = await organization(kept.id);
    const mergedRestored = await organization(merged.id);
    const comparable = (row: typeof keptBefore) => {
      const { updatedAt: _updated, updatedById: _by, searchDocument: _document, ...rest } = row as NonNullable<typeof keptBefore>;
      return rest;
    };
    expect(comparable(keptRestored)).toEqual(comparable(keptBefore));
    expect(comparable(mergedRestored)).toEqual(comparable(mergedBefore));
    expect(await affiliationRows([kept.id, merged.id])).toEqual(relationsBefore);
    expect((await organization(child.id))?.parentId).toBe(merged.id);
    expect(await unitIdsOf(kept.id)).toEqual([ddpsi]);
    expect(await unitIdsOf(merged.id)).toEqual([ddpsi, uoPro].sort());
    const [undone] = await harness.db.select().from(recordMerges).where(eq(recordMerges.id, merge?.id as string));
    expect(undone?.undoneAt).not.toBeNull();
    const undoAudit = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'organization.merge_undone'));
    expect(undoAudit.map((entry) => entry.entityId).sort()).toEqual([kept.id, merged.id].sort());
    expect((await reader.get(`/structures/${merged.id}`)).status).toBe(200);
    // Twice is refused.
    expect((await admin.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(409);
  });

  test('conventions of the merged organisation move to the kept one, and back on undo', async () => {
    const kept = await buildOrganization(harness.db, { name: 'Fédération française de voile test', unitCodes: ['DDPSI'] });
    const merged = await buildOrganization(harness.db, { name: 'FF Voile test', unitCodes: ['DDPSI'] });
    const [convention] = await harness.db.insert(conventions).values({ reference: 'CONV-2026-9101', title: 'Convention voile', kind: 'partenariat' }).returning();
    const [party] = await harness.db.insert(conventionParties).values({ conventionId: convention?.id ?? '', organizationId: merged.id }).returning();
    const response = await manager.post(`/doublons/structures/${kept.id}/${merged.id}`, { 'choice[name]': 'kept' });
    expect(response.status).toBe(303);
    const [moved] = await harness.db.select().from(conventionParties).where(eq(conventionParties.id, party?.id ?? ''));
    expect(moved?.organizationId).toBe(kept.id);
    const [merge] = await harness.db.select().from(recordMerges).where(and(eq(recordMerges.keptId, kept.id), eq(recordMerges.mergedId, merged.id)));
    expect((await admin.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(303);
    const [back] = await harness.db.select().from(conventionParties).where(eq(conventionParties.id, party?.id ?? ''));
    expect(back?.organizationId).toBe(merged.id);
  });

  test('contacts merge: e-mails unioned, positions moved, old URL redirects; undo puts everything back', async () => {
    const employer = await buildOrganization(harness.db, { name: 'Mairie de Bassas da India' });
    const other = await buildOrganization(harness.db, { name: 'Port de Bassas da India' });
    const kept = await buildContact(harness.db, { firstName: 'Denis', lastName: 'Morel', emails: ['denis.morel@bassas.example.fr'], organizationId: employer.id, unitCodes: ['DDPSI'] });
    const merged = await buildContact(harness.db, {
      firstName: 'Denis',
      lastName: 'Morel',
      jobTitle: 'Capitaine',
      emails: ['d.morel@port.example.fr', 'denis.morel@bassas.example.fr'],
      phones: ['+33600000001'],
      organizationId: other.id,
      unitCodes: ['UO-PRO'],
      emailOptOut: true,
    });
    const response = await manager.post(`/doublons/contacts/${kept.id}/${merged.id}`, {});
    expect(response.status).toBe(303);
    const [after] = await harness.db.select().from(contacts).where(eq(contacts.id, kept.id));
    expect(after?.emails).toEqual(['denis.morel@bassas.example.fr', 'd.morel@port.example.fr']);
    expect(after).toMatchObject({ jobTitle: 'Capitaine', phones: ['+33600000001'], emailOptOut: true });
    const positions = await harness.db.select().from(affiliations).where(eq(affiliations.contactId, kept.id));
    expect(positions.map((row) => row.organizationId).sort()).toEqual([employer.id, other.id].sort());
    // One primary position only.
    expect(positions.filter((row) => row.isPrimary)).toHaveLength(1);
    const old = await reader.get(`/contacts/${merged.id}`);
    expect(old.headers.location).toBe(`/contacts/${kept.id}`);
    expect((await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'contact.merged'), eq(auditLog.entityId, kept.id)))).length).toBe(1);

    const [merge] = await harness.db.select().from(recordMerges).where(eq(recordMerges.keptId, kept.id));
    expect((await admin.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(303);
    const [keptRestored] = await harness.db.select().from(contacts).where(eq(contacts.id, kept.id));
    const [mergedRestored] = await harness.db.select().from(contacts).where(eq(contacts.id, merged.id));
    expect(keptRestored).toMatchObject({ emails: ['denis.morel@bassas.example.fr'], jobTitle: null, phones: [], emailOptOut: false, mergedIntoId: null });
    expect(mergedRestored).toMatchObject({ mergedIntoId: null, jobTitle: 'Capitaine' });
    const back = await harness.db.select().from(affiliations).where(eq(affiliations.contactId, merged.id));
    expect(back.map((row) => [row.organizationId, row.isPrimary])).toEqual([[other.id, true]]);
    const units = await harness.db.select().from(contactUnits).where(eq(contactUnits.contactId, kept.id));
    expect(units).toHaveLength(1);
  });

  test('refusals: readers and chargés get 403, a missing CSRF token 403, a record merged into itself a clear message', async () => {
    const first = await buildOrganization(harness.db, { name: 'Station de Juan de Nova' });
    const second = await buildOrganization(harness.db, { name: 'Station Juan-de-Nova' });
    for (const browser of [reader, charge]) {
      expect((await browser.get(`/doublons/structures/${first.id}/${second.id}`)).status).toBe(403);
      const refused = await browser.post(`/doublons/structures/${first.id}/${second.id}`, {});
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('Accès refusé');
      expect((await browser.get('/doublons/fusions')).status).toBe(403);
    }
    expect((await manager.post(`/doublons/structures/${first.id}/${second.id}`, {}, { csrf: false })).status).toBe(403);
    const self = await manager.post(`/doublons/structures/${first.id}/${first.id}`, {});
    expect(self.status).toBe(409);
    expect(self.text).toContain('Impossible de fusionner une fiche avec elle-même.');
    expect((await manager.get(`/doublons/structures/${first.id}/${first.id}`)).status).toBe(409);
    // An unknown entity segment is not a page.
    expect((await manager.get(`/doublons/conventions/${first.id}/${second.id}`)).status).toBe(404);
    expect((await organization(first.id))?.mergedIntoId).toBeNull();
    expect((await organization(second.id))?.mergedIntoId).toBeNull();
    expect(await harness.db.select().from(recordMerges).where(eq(recordMerges.keptId, first.id))).toHaveLength(0);
  });

  test('the "merge with…" page proposes likely duplicates and finds others by name', async () => {
    const record = await buildOrganization(harness.db, { name: 'Observatoire des îles Glorieuses', website: 'https://glorieuses-obs.example.fr' });
    const twin = await buildOrganization(harness.db, { name: 'Observatoire des Glorieuses', website: 'https://www.glorieuses-obs.example.fr' });
    const page = await manager.get(`/doublons/structures/${record.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`/doublons/structures/${record.id}/${twin.id}`);
    const search = await manager.get(`/doublons/structures/${record.id}?q=Glorieuses`);
    expect(search.text).toContain('Observatoire des Glorieuses');
    const show = await manager.get(`/structures/${record.id}`);
    expect(show.text).toContain('Fusionner avec…');
  });
});

// Shaped like the seed's CFA file (src/seed/data/cfa-reseau-amue.csv): each university carries a
// list of « probable » UAI that overlaps its neighbours' (Toulouse III lists Toulouse II's code,
// Lyon 2 and Lyon 3 share one).
describe('duplicate ranking with overlapping UAI lists', () => {
  let harness: TestApp;
  let manager: TestBrowser;
  let admin: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    manager = new TestBrowser(harness.app);
    await manager.login((await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] })).email);
    admin = new TestBrowser(harness.app);
    await admin.login((await buildUser(harness.db, { roles: ['admin'] })).email);
  });
  afterAll(() => harness.close());

  async function allPairs(query = '') {
    const rows: Array<{ text: string; score: number }> = [];
    for (let page = 1; page <= 20; page += 1) {
      const response = await manager.get(`/doublons?type=structures${query}&page=${page}`);
      const found = [...response.text.matchAll(/<tr id="pair-[^"]+">([\s\S]*?)<\/tr>/g)].map((match) => match[1] as string);
      for (const text of found) rows.push({ text, score: Number(/fr-badge--info">(\d+)</.exec(text)?.[1]) });
      if (found.length < 25) break;
    }
    return rows;
  }

  test('real same-name pairs rank above different universities sharing a UAI, and each pair says why it is proposed', async () => {
    const toulouse3 = await buildOrganization(harness.db, {
      name: 'UNIVERSITE TOULOUSE III - PAUL SABATIER',
      siret: '19311384200010',
      siren: '193113842',
      uai: ['0311384L', '0311086M', '0311383K', '0312499Y', '0650583F'],
      city: 'TOULOUSE',
      kindCode: 'universite',
    });
    const toulouse2 = await buildOrganization(harness.db, {
      name: 'UNIVERSITE TOULOUSE II',
      siret: '19311383400017',
      siren: '193113834',
      uai: ['0311383K', '0312499Y', '0312535M'],
      city: 'TOULOUSE',
      kindCode: 'universite',
    });
    const lyon3 = await buildOrganization(harness.db, {
      name: 'UNIVERSITE LYON 3 JEAN MOULIN',
      siret: '19692437700282',
      uai: ['0692437Z', '0011311V', '0691774D', '0692203V', '0693565A', '0693891E'],
      kindCode: 'universite',
    });
    const lyon2 = await buildOrganization(harness.db, {
      name: 'UNIVERSITE LUMIERE LYON 2',
      siret: '19691775100014',
      uai: ['0691775E', '0692201T', '0693521C', '0693891E', '0694235D'],
      kindCode: 'universite',
    });
    // Real duplicates: the same lycée typed twice; the same university from the CFA file and by hand.
    const lyceeA = await buildOrganization(harness.db, { name: 'Lycée professionnel Hélène Boucher', communeCode: '31555' });
    const lyceeB = await buildOrganization(harness.db, { name: 'Lycee professionnel Helene-Boucher', communeCode: '31555' });
    const stEtienneA = await buildOrganization(harness.db, { name: 'UNIVERSITE JEAN MONNET SAINT ETIENNE', uai: ['0421095M', '0420957M'], kindCode: 'universite' });
    const stEtienneB = await buildOrganization(harness.db, { name: 'Université Jean Monnet Saint-Étienne', uai: ['0421095M'], kindCode: 'universite' });

    const pairs = await allPairs();
    const find = (first: string, second: string) => {
      const index = pairs.findIndex((pair) => pair.text.includes(first) && pair.text.includes(second));
      return { index, pair: pairs[index] };
    };
    const toulouse = find(toulouse3.name, toulouse2.name);
    const lyon = find(lyon3.name, lyon2.name);
    const lycee = find(lyceeA.name, lyceeB.name);
    const stEtienne = find(stEtienneA.name, stEtienneB.name);
    for (const found of [toulouse, lyon, lycee, stEtienne]) expect(found.index).toBeGreaterThanOrEqual(0);
    // The same university, named alike and sharing its UAI, first; then the lycée; the hints last.
    expect(stEtienne.index).toBeLessThan(lycee.index);
    expect(lycee.index).toBeLessThan(toulouse.index);
    expect(lycee.index).toBeLessThan(lyon.index);
    expect(stEtienne.pair?.score).toBeGreaterThan(100);
    expect(lycee.pair?.score).toBeGreaterThanOrEqual(45);
    expect(toulouse.pair?.score).toBeLessThan(lycee.pair?.score as number);
    expect(lyon.pair?.score).toBeLessThan(lycee.pair?.score as number);
    // Why each is proposed.
    expect(toulouse.pair?.text).toContain('Même UAI (0311383K, 0312499Y), noms différents');
    expect(toulouse.pair?.text).toMatch(/Noms proches \(\d+ %\) mais numéros différents \((III \/ II|II \/ III)\)/);
    expect(toulouse.pair?.text).toContain('À vérifier');
    expect(lyon.pair?.text).toContain('Même UAI (0693891E), noms différents');
    expect(lyon.pair?.text).toContain('À vérifier');
    expect(lycee.pair?.text).toContain('Nom très proche (100 %)');
    expect(lycee.pair?.text).toContain('Doublon probable');
    expect(stEtienne.pair?.text).toMatch(/Même UAI \(0421095M\)<\/p>/);
    expect(stEtienne.pair?.text).toMatch(/Nom très proche \(\d+ %\)/);

    // The UAI filter keeps the ranking: the real duplicate above the two hints.
    const byUai = await allPairs('&motif=uai');
    const uaiOrder = [stEtienneA.name, toulouse2.name, lyon2.name].map((name) => byUai.findIndex((pair) => pair.text.includes(name)));
    expect(uaiOrder[0]).toBe(0);
    expect(uaiOrder.slice(1).every((index) => index > 0)).toBe(true);

    // The pair page says the same, and what moves besides the values.
    const [convention] = await harness.db.insert(conventions).values({ reference: 'CONV-2026-9601', title: 'Convention alternance Mirail', kind: 'partenariat' }).returning();
    await harness.db.insert(conventionParties).values({ conventionId: convention!.id, organizationId: toulouse2.id });
    await buildContact(harness.db, { firstName: 'Irène', lastName: 'Mirail', organizationId: toulouse2.id });
    const screen = await manager.get(`/doublons/structures/${toulouse3.id}/${toulouse2.id}`);
    expect(screen.status).toBe(200);
    expect(screen.text).toContain('Pourquoi cette paire est proposée');
    expect(screen.text).toContain('Même UAI (0311383K, 0312499Y), noms différents');
    expect(screen.text).toContain('À vérifier');
    expect(screen.text).toContain('1 rattachement(s) de contacts');
    expect(screen.text).toContain('1 convention(s) où la structure est partie');
    expect(screen.text).not.toContain('structure(s) rattachée(s)');
    const probable = await manager.get(`/doublons/structures/${lyceeA.id}/${lyceeB.id}`);
    expect(probable.text).toContain('Doublon probable');
    expect(probable.text).toContain('Rien d’autre n’est rattaché');
  });

  test('the warning of the creation form weighs a shared UAI the same way: the same name first, the other university as a hint', async () => {
    const other = await buildOrganization(harness.db, { name: 'UNIVERSITE PAUL VALERY MONTPELLIER III', uai: ['0341089Z', '0341976N', '0342338G'] });
    const same = await buildOrganization(harness.db, { name: 'Université Montpellier II' });
    const ctx = await harness.context(await buildUser(harness.db, { roles: ['manager'] }));
    const candidates = await findOrganizationDuplicates(ctx, { name: 'UNIVERSITE MONTPELLIER II', uai: ['0342338G'] });
    expect(candidates.map((candidate) => candidate.id)).toEqual([same.id, other.id]);
    expect(candidates[1]?.reasons).toContain('Même UAI (0342338G), noms différents');
    expect(candidates[1]?.score).toBeLessThanOrEqual(45);
    expect(candidates[0]?.score).toBeGreaterThanOrEqual(45);
  });

  test('a contact merge moves the conventions the merged record signs, names them in the summary, and undo puts them back', async () => {
    const school = await buildOrganization(harness.db, { name: 'Lycée Déodat de Séverac' });
    const kept = await buildContact(harness.db, { firstName: 'Mathilde', lastName: 'Séverac', emails: ['mathilde.severac@lycee.example.fr'], organizationId: school.id });
    const merged = await buildContact(harness.db, { firstName: 'Mathilde', lastName: 'Severac', emails: ['mathilde.severac@lycee.example.fr'] });
    const [convention] = await harness.db.insert(conventions).values({ reference: 'CONV-2026-9602', title: 'Convention Séverac', kind: 'partenariat' }).returning();
    const [party] = await harness.db.insert(conventionParties).values({ conventionId: convention!.id, organizationId: school.id, signatoryContactId: merged.id }).returning();

    const screen = await manager.get(`/doublons/contacts/${kept.id}/${merged.id}`);
    expect(screen.text).toContain('1 signature(s) de convention');
    expect(screen.text).toContain('Même adresse électronique (mathilde.severac@lycee.example.fr)');
    expect(screen.text).toContain('Doublon probable');
    expect((await manager.post(`/doublons/contacts/${kept.id}/${merged.id}`, {})).status).toBe(303);
    const [moved] = await harness.db.select().from(conventionParties).where(eq(conventionParties.id, party!.id));
    expect(moved?.signatoryContactId).toBe(kept.id);
    const [merge] = await harness.db.select().from(recordMerges).where(eq(recordMerges.keptId, kept.id));
    expect(merge?.movedRelations['convention_parties.signatory']).toEqual([party!.id]);
    await admin.get('/doublons/fusions?type=contacts');
    expect((await admin.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(303);
    const [back] = await harness.db.select().from(conventionParties).where(eq(conventionParties.id, party!.id));
    expect(back?.signatoryContactId).toBe(merged.id);
  });
});
