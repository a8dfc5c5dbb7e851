// Issue 13 — partner e-mail done right: who may receive partner-facing e-mail (and why not),
// List-Unsubscribe + List-Unsubscribe-Post (RFC 8058) on the message that reaches an SMTP server,
// /desabonnement/<token> (GET confirms without changing anything, POST unsubscribes at once,
// forged tokens refused), the opt-out recorded, journaled, shown and respected.
import { and, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { signToken } from '../../src/lib/signed-tokens';
import { createMailTransport } from '../../src/lib/mail';
import { signingKey } from '../../src/models/signing-key.model';
import { auditLog, contacts, devMailbox, emails, type Contact, type User } from '../../src/models/schema';
import { queueEmail } from '../../src/services/mail.service';
import { partnerEmail, partnerEmailEligibility, type PartnerEmailRequest } from '../../src/services/partner-mail.service';
import { sendQueuedEmail } from '../../src/jobs/mail-send.job';
import { mergeRecords, undoMerge } from '../../src/services/merge.service';
import { buildContact } from '../support/directory-fixtures';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';
import { startCapturingSmtpServer } from '../support/capturing-smtp';

const NOTICE_DATA = { displayName: 'Inès', stepLabel: 'Invitation', subject: 'Rencontre partenaires', circuit: 'Événements', message: 'Bonjour', link: 'http://passerelle.test/' };

function requestFor(contact: Contact, key: string, owner: User | null): PartnerEmailRequest {
  return {
    contact,
    replyTo: owner ? { email: owner.email, displayName: owner.displayName } : null,
    template: 'workflow_notice',
    data: NOTICE_DATA,
    idempotencyKey: key,
    baseUrl: 'http://passerelle.test',
  };
}


describe('partner-facing e-mail', () => {
  let harness: TestApp;
  let owner: User;

  beforeAll(async () => {
    harness = await startTestApp();
    owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Lefèvre' });
  });
  afterAll(async () => {
    await harness.close();
  });

  async function reload(id: string): Promise<Contact> {
    const [row] = await harness.db.select().from(contacts).where(eq(contacts.id, id));
    if (!row) throw new Error('contact gone');
    return row;
  }

  async function auditActions(id: string): Promise<Array<{ action: string; metadata: unknown }>> {
    return harness.db.select({ action: auditLog.action, metadata: auditLog.metadata }).from(auditLog).where(and(eq(auditLog.entityType, 'contact'), eq(auditLog.entityId, id))).orderBy(auditLog.id);
  }

  async function tokenOf(contactId: string): Promise<string> {
    return signToken(await signingKey(harness.db), { purpose: 'unsubscribe', subject: contactId });
  }

  test('eligibility: erased, opted out, no address and consent without a date are refused with a French reason', () => {
    const base = { emails: ['ines@example.org'], legalBasis: 'interet_legitime' as const, consentAt: null, emailOptOut: false, erasedAt: null };
    expect(partnerEmailEligibility(base)).toEqual({ allowed: true, address: 'ines@example.org' });
    expect(partnerEmailEligibility({ ...base, legalBasis: 'contrat' }).allowed).toBe(true);
    expect(partnerEmailEligibility({ ...base, legalBasis: 'consentement', consentAt: new Date('2026-01-10T12:00:00Z') }).allowed).toBe(true);
    const refusals = [
      partnerEmailEligibility({ ...base, erasedAt: new Date(), emailOptOut: true }),
      partnerEmailEligibility({ ...base, emailOptOut: true, emailOptOutAt: new Date('2026-11-03T10:00:00Z'), emailOptOutSource: 'lien_desabonnement' }),
      partnerEmailEligibility({ ...base, emails: [] }),
      partnerEmailEligibility({ ...base, legalBasis: 'consentement', consentAt: null }),
    ];
    expect(refusals.map((refusal) => (refusal.allowed ? 'allowed' : refusal.reason))).toEqual([
      expect.stringContaining('effacé'),
      'Ce contact s’est désabonné des courriels le 03/11/2026 (lien de désabonnement).',
      expect.stringContaining('Aucune adresse'),
      expect.stringContaining('consentement'),
    ]);
  });

  test('the message received by an SMTP server carries List-Unsubscribe (one-click), Reply-To the owner, HTML and text with the footer, no image', async () => {
    const contact = await buildContact(harness.db, { emails: ['ines.partenaire@example.org'], legalBasis: 'interet_legitime', ownerId: owner.id });
    const built = await harness.db.transaction(async (tx) => {
      const result = await partnerEmail(tx, requestFor(contact, `partner-test:${contact.id}`, owner));
      if ('refused' in result) throw new Error(result.refused);
      await queueEmail(tx, result.email);
      return result.email;
    });
    const [row] = await harness.db.select().from(emails).where(eq(emails.idempotencyKey, `partner-test:${contact.id}`));
    expect(row?.replyTo).toBe(`"Camille Lefèvre" <${owner.email}>`);

    const capture = await startCapturingSmtpServer();
    const transport = createMailTransport(capture.url);
    try {
      await sendQueuedEmail({ db: harness.db, transport, from: 'Passerelle <no-reply@passerelle.test>' }, { emailId: String(row?.id) });
      const message = await eventually(() => capture.messages[0]);
      const unsubscribe = String(built.headers?.['List-Unsubscribe']);
      expect(unsubscribe).toMatch(/^<http:\/\/passerelle\.test\/desabonnement\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
      // The header as received (folded lines joined), and the RFC 8058 companion.
      const received = (name: string) => message.headerLines.find((line) => line.key === name)?.line.replace(/\r?\n[ \t]+/g, ' ');
      expect(received('list-unsubscribe')).toBe(`List-Unsubscribe: ${unsubscribe}`);
      expect(received('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(message.replyTo?.value[0]).toEqual({ address: owner.email, name: 'Camille Lefèvre' });
      expect(message.text).toContain('Vous recevez ce message parce que vous êtes en relation professionnelle avec nos services (Ministère de l’Éducation nationale)');
      expect(message.text).toContain(`Pour ne plus recevoir ces courriels : ${unsubscribe.slice(1, -1)}`);
      expect(message.text).toContain('votre réponse parviendra à Camille Lefèvre');
      expect(message.text).not.toContain('Merci de ne pas y répondre');
      const html = String(message.html);
      expect(html).toContain(`href="${unsubscribe.slice(1, -1)}"`);
      expect(html).toContain('Ne plus recevoir ces courriels');
      expect(html).not.toMatch(/<img/i);
      expect(message.attachments).toHaveLength(0);
    } finally {
      transport.close();
      await capture.close();
    }
  });

  test('the development sink (/admin/courriels) receives the partner footer and link', async () => {
    const contact = await buildContact(harness.db, { emails: ['nadia.partenaire@example.org'], legalBasis: 'contrat', ownerId: owner.id });
    await harness.db.transaction(async (tx) => {
      const result = await partnerEmail(tx, requestFor(contact, `partner-sink:${contact.id}`, owner));
      if ('refused' in result) throw new Error(result.refused);
      await queueEmail(tx, result.email);
    });
    const [row] = await harness.db.select().from(emails).where(eq(emails.idempotencyKey, `partner-sink:${contact.id}`));
    const transport = createMailTransport(harness.sink.url);
    try {
      await sendQueuedEmail({ db: harness.db, transport, from: 'Passerelle <no-reply@passerelle.test>' }, { emailId: String(row?.id) });
    } finally {
      transport.close();
    }
    const stored = await eventually(async () => (await harness.db.select().from(devMailbox).where(sql`${'nadia.partenaire@example.org'} = any(${devMailbox.envelopeTo})`))[0]);
    expect(stored.textBody).toContain('dans le cadre de la convention qui lie votre structure');
    expect(stored.textBody).toMatch(/Pour ne plus recevoir ces courriels : http:\/\/passerelle\.test\/desabonnement\//);
    expect(stored.htmlBody).toContain('/desabonnement/');
    // The sink keeps the headers an admin checks on /admin/courriels.
    expect(stored.headers['List-Unsubscribe']).toMatch(/^<http:\/\/passerelle\.test\/desabonnement\/[\w-]+\.[\w-]+>$/);
    expect(stored.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(stored.headers['Reply-To']).toContain('@');
    // Without an owner to answer, the footer says not to reply (and the e-mail has no Reply-To).
    const orphan = await buildContact(harness.db, { emails: ['sans.responsable@example.org'] });
    const built = await partnerEmail(harness.db, requestFor(orphan, `partner-orphan:${orphan.id}`, null));
    if ('refused' in built) throw new Error(built.refused);
    expect(built.email.replyTo).toBeNull();
    expect(built.email.data.partnerFooter).toMatchObject({ reply: expect.stringContaining('merci de ne pas y répondre') });
  });

  test('GET shows a confirmation page with one button and changes nothing', async () => {
    const contact = await buildContact(harness.db, { emails: ['jules.partenaire@example.org'] });
    const token = await tokenOf(contact.id);
    for (let i = 0; i < 2; i += 1) {
      const page = await request(harness.app).get(`/desabonnement/${token}`);
      expect(page.status).toBe(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toContain('Ne plus recevoir nos courriels');
      expect(page.text).toContain('j••••••@example.org');
      expect(page.text).not.toContain('jules.partenaire@example.org');
      expect(page.text.match(/<button[^>]*type="submit"/g)).toHaveLength(1);
      expect(page.text).toContain(`action="/desabonnement/${token}"`);
    }
    const after = await reload(contact.id);
    expect(after.emailOptOut).toBe(false);
    expect(after.emailOptOutAt).toBeNull();
    expect(await auditActions(contact.id)).toEqual([]);
  });

  test('a one-click POST (no session, no CSRF token) unsubscribes at once; again: same date, one journal entry; partnerEmail() then refuses', async () => {
    const contact = await buildContact(harness.db, { emails: ['lea.partenaire@example.org'], ownerId: owner.id });
    const token = await tokenOf(contact.id);
    const first = await request(harness.app).post(`/desabonnement/${token}`).type('form').send('List-Unsubscribe=One-Click');
    expect(first.status).toBe(200);
    expect(first.text).toContain('Vous êtes désabonné');
    const after = await reload(contact.id);
    expect(after.emailOptOut).toBe(true);
    expect(after.emailOptOutSource).toBe('lien_desabonnement');
    expect(after.emailOptOutAt).toBeInstanceOf(Date);

    const second = await request(harness.app).post(`/desabonnement/${token}`).type('form').send('List-Unsubscribe=One-Click');
    expect(second.status).toBe(200);
    expect((await reload(contact.id)).emailOptOutAt?.getTime()).toBe(after.emailOptOutAt?.getTime());
    expect(await auditActions(contact.id)).toEqual([{ action: 'contact.unsubscribed', metadata: expect.objectContaining({ oneClick: true }) }]);

    // The GET now says so, with no button.
    const page = await request(harness.app).get(`/desabonnement/${token}`);
    expect(page.text).toContain('Vous êtes déjà désabonné');
    expect(page.text).not.toMatch(/<button[^>]*type="submit"/);

    const refused = await partnerEmail(harness.db, requestFor(after, `partner-refused:${contact.id}`, owner));
    expect(refused).toEqual({ refused: expect.stringMatching(/^Ce contact s’est désabonné des courriels le \d\d\/\d\d\/\d{4} \(lien de désabonnement\)\.$/) });
  });

  test('a multipart one-click POST and the confirmation page’s button unsubscribe too', async () => {
    const viaMultipart = await buildContact(harness.db, { emails: ['paul.partenaire@example.org'] });
    const multipart = await request(harness.app).post(`/desabonnement/${await tokenOf(viaMultipart.id)}`).field('List-Unsubscribe', 'One-Click');
    expect(multipart.status).toBe(200);
    expect((await reload(viaMultipart.id)).emailOptOut).toBe(true);

    const viaPage = await buildContact(harness.db, { emails: ['zoe.partenaire@example.org'] });
    const token = await tokenOf(viaPage.id);
    const page = await request(harness.app).get(`/desabonnement/${token}`);
    const fields = Object.fromEntries([...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [match[1], match[2]]));
    const pressed = await request(harness.app).post(`/desabonnement/${token}`).type('form').send(fields);
    expect(pressed.status).toBe(200);
    expect((await reload(viaPage.id)).emailOptOut).toBe(true);
    expect(await auditActions(viaPage.id)).toEqual([{ action: 'contact.unsubscribed', metadata: expect.objectContaining({ oneClick: false }) }]);
  });

  test('forged, wrong-purpose and unknown tokens change nothing and say so', async () => {
    const contact = await buildContact(harness.db, { emails: ['hugo.partenaire@example.org'] });
    const key = await signingKey(harness.db);
    const token = await tokenOf(contact.id);
    const [payload, signature] = token.split('.') as [string, string];
    const forgedSignature = `${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherContact = Buffer.from(JSON.stringify({ p: 'unsubscribe', s: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    const forgedPayload = `${otherContact}.${signature}`;
    const wrongPurpose = signToken(key, { purpose: 'rsvp', subject: contact.id });
    for (const bad of [forgedSignature, forgedPayload, wrongPurpose, 'pas-un-jeton']) {
      const get = await request(harness.app).get(`/desabonnement/${bad}`);
      expect(get.status).toBe(400);
      expect(get.text).toContain('Lien de désabonnement invalide');
      const post = await request(harness.app).post(`/desabonnement/${bad}`).type('form').send('List-Unsubscribe=One-Click');
      expect(post.status).toBe(400);
    }
    expect((await reload(contact.id)).emailOptOut).toBe(false);
    const unknown = await request(harness.app).post(`/desabonnement/${signToken(key, { purpose: 'unsubscribe', subject: '00000000-0000-4000-8000-000000000000' })}`).type('form').send('List-Unsubscribe=One-Click');
    expect(unknown.status).toBe(404);
    const erased = await buildContact(harness.db, { lastName: 'Personne effacée', emails: [], emailOptOut: true, erasedAt: new Date() });
    const erasedPage = await request(harness.app).get(`/desabonnement/${await tokenOf(erased.id)}`);
    expect(erasedPage.status).toBe(404);
    expect(erasedPage.text).toContain('ne correspond plus à aucun contact');
    expect(await auditActions(contact.id)).toEqual([]);
  });

  test('a user records and lifts the refusal from the contact page (journaled, shown); a reader cannot', async () => {
    const contact = await buildContact(harness.db, { emails: ['sarah.partenaire@example.org'], ownerId: owner.id, unitCodes: ['DDPSI'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(owner.email);
    const before = await browser.get(`/contacts/${contact.id}`);
    expect(before.text).toContain('Courriels aux partenaires');
    expect(before.text).toContain('Peut recevoir les invitations et rappels');
    const set = await browser.post(`/contacts/${contact.id}/courriels-partenaires`, { optOut: 'oui' });
    expect(set.status).toBe(303);
    const flagged = await reload(contact.id);
    expect(flagged).toMatchObject({ emailOptOut: true, emailOptOutSource: 'utilisateur' });
    const shown = await browser.get(`/contacts/${contact.id}`);
    expect(shown.text).toMatch(/Ce contact s’est désabonné des courriels le \d\d\/\d\d\/\d{4} \(saisi par un utilisateur\)\./);
    expect(shown.text).toContain('Réautoriser les courriels');

    const cleared = await browser.post(`/contacts/${contact.id}/courriels-partenaires`, { optOut: 'non' });
    expect(cleared.status).toBe(303);
    expect(await reload(contact.id)).toMatchObject({ emailOptOut: false, emailOptOutAt: null, emailOptOutSource: null });
    expect((await auditActions(contact.id)).map((entry) => entry.action)).toEqual(['contact.email_opt_out_set', 'contact.email_opt_out_cleared']);
    const history = await browser.get(`/contacts/${contact.id}`);
    expect(history.text).toContain('Désabonnement des courriels (saisi)');
    expect(history.text).toContain('Courriels réautorisés');
    // The journal says it in words: field labels and the origin's label, never codes.
    const changes = [...history.text.matchAll(/<ul class="passerelle-changes">([\s\S]*?)<\/ul>/g)].map((match) => match[1]).join('\n');
    expect(changes).toContain('<strong>Origine du refus des courriels</strong> : — → saisi par un utilisateur');
    expect(changes).toContain('<strong>Date du refus des courriels</strong>');
    expect(changes).not.toMatch(/emailOptOut|lien_desabonnement|: — → utilisateur/);

    const lecteur = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] });
    const reader = new TestBrowser(harness.app);
    await reader.login(lecteur.email);
    const refused = await reader.post(`/contacts/${contact.id}/courriels-partenaires`, { optOut: 'oui' });
    expect(refused.status).toBe(403);
    expect((await reload(contact.id)).emailOptOut).toBe(false);
  });

  test('a merge keeps the refusal with its date and origin (undone with the merge); a merged record’s link unsubscribes the kept one', async () => {
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const ctx = await harness.context(admin);
    const refusedOn = new Date('2026-10-01T08:00:00Z');
    const kept = await buildContact(harness.db, { lastName: 'Garnier', emails: ['l.garnier@example.org'] });
    const merged = await buildContact(harness.db, { lastName: 'Garnier', emails: ['lucie.garnier@example.org'], emailOptOut: true, emailOptOutAt: refusedOn, emailOptOutSource: 'lien_desabonnement' });
    const { merge } = await mergeRecords(ctx, 'contact', kept.id, merged.id, {});
    expect(await reload(kept.id)).toMatchObject({ emailOptOut: true, emailOptOutAt: refusedOn, emailOptOutSource: 'lien_desabonnement' });
    await undoMerge(ctx, merge.id);
    expect(await reload(kept.id)).toMatchObject({ emailOptOut: false, emailOptOutAt: null, emailOptOutSource: null });

    const survivor = await buildContact(harness.db, { lastName: 'Roux', emails: ['m.roux@example.org'] });
    const absorbed = await buildContact(harness.db, { lastName: 'Roux', emails: ['marc.roux@example.org'] });
    await mergeRecords(ctx, 'contact', survivor.id, absorbed.id, {});
    const response = await request(harness.app).post(`/desabonnement/${await tokenOf(absorbed.id)}`).type('form').send('List-Unsubscribe=One-Click');
    expect(response.status).toBe(200);
    expect(await reload(survivor.id)).toMatchObject({ emailOptOut: true, emailOptOutSource: 'lien_desabonnement' });
  });

  test('the contact form’s checkbox stamps the date and source; the GDPR export shows them with the consent history', async () => {
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const contact = await buildContact(harness.db, { lastName: 'Durand', emails: ['marc.durand@example.org'], ownerId: owner.id, unitCodes: ['DDPSI'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(admin.email);
    await browser.get(`/contacts/${contact.id}/modifier`);
    const saved = await browser.post(`/contacts/${contact.id}/modifier`, {
      firstName: 'Camille',
      lastName: 'Durand',
      emails: 'marc.durand@example.org',
      legalBasis: 'interet_legitime',
      ownerId: owner.id,
      unitIds: [],
      emailOptOut: 'on',
      confirmDuplicates: 'on',
    });
    expect(saved.status).toBe(303);
    expect(await reload(contact.id)).toMatchObject({ emailOptOut: true, emailOptOutSource: 'utilisateur', emailOptOutAt: expect.any(Date) });
    // The person then unsubscribes by link too: nothing changes (already out).
    await request(harness.app).post(`/desabonnement/${await tokenOf(contact.id)}`).type('form').send('List-Unsubscribe=One-Click');
    expect((await reload(contact.id)).emailOptOutSource).toBe('utilisateur');

    const exported = await browser.get(`/contacts/${contact.id}/donnees-personnelles?format=json`);
    const data = JSON.parse(exported.text) as { person: Record<string, unknown>; consentHistory: Array<{ actionLabel: string; summary: Array<{ field: string; after: string }> }> };
    expect(data.person).toMatchObject({ emailOptOut: true, emailOptOutAt: expect.any(String), emailOptOutSource: 'saisi par un utilisateur' });
    expect(data.consentHistory.some((entry) => entry.summary.some((change) => change.after === 'Oui'))).toBe(true);
  });
});
