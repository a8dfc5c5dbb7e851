// Issue 10 §1: e-mail delivery never holds a transaction, and the transaction guard turns the
// mistakes that freeze embedded mode (a root-handle query, SMTP or Redis inside a transaction)
// into immediate errors — on PGlite (the embedded driver) and on a PostgreSQL server alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { openDatabase, rowsOf, type Database, type DatabaseHandle } from '../../src/models/database';
import { claimEmail, findEmail, listStalePendingEmails } from '../../src/models/messaging.model';
import { devMailbox, emails } from '../../src/models/schema';
import { queueEmail } from '../../src/services/mail.service';
import { EmailClaimedElsewhereError, MAIL_LEASE_MS, sendQueuedEmail } from '../../src/jobs/mail-send.job';
import { createMailTransport } from '../../src/lib/mail';
import { TransactionMisuseError } from '../../src/lib/transaction-scope';
import { TestBrowser, buildUser, createTestDatabase, eventually, startTestApp, type TestApp, type TestDatabase } from '../support/harness';

async function queueTestEmail(db: Database, key: string, to = 'partenaire@example.org'): Promise<string> {
  await db.transaction((tx) => queueEmail(tx, { to, template: 'workflow_notice', idempotencyKey: key, data: { displayName: 'Inès', stepLabel: 'Revue juridique', subject: 'CONV-2026-001', circuit: 'Circuit des conventions', message: 'Bonjour', link: 'http://passerelle.test/' } }));
  const [row] = await db.select().from(emails).where(eq(emails.idempotencyKey, key));
  if (!row) throw new Error('email not queued');
  return row.id;
}

/** Drizzle wraps a failed query's error: the guard's error is its cause. */
function misuse(error: unknown): unknown {
  return error instanceof TransactionMisuseError ? error : (error as { cause?: unknown })?.cause;
}

async function refusal(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => 'no error',
    (error: unknown) => misuse(error),
  );
}

/** Resolves with the outcome, or 'timeout': a deadlock must show as a failure, not a hung suite. */
async function within<T>(ms: number, work: Promise<T>): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('embedded mode (PGlite + in-process SMTP sink + worker)', () => {
  let dataDir: string;
  let handle: DatabaseHandle;
  let harness: TestApp;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-embedded-mail-'));
    handle = await openDatabase({ driver: 'pglite', dataDir });
    await handle.migrate();
    harness = await startTestApp({ worker: true, database: { db: handle.db, close: async () => undefined } });
  }, 180_000);

  afterAll(async () => {
    await harness.close();
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('an e-mail reaches the sink that stores it through the same PGlite, and the database stays responsive', async () => {
    const id = await queueTestEmail(harness.db, 'embedded-1', 'ines.martin@example.org');
    harness.runtime.dispatchOutbox();
    const delivered = await eventually(async () => {
      const [row] = await harness.db.select().from(devMailbox).where(sql`${'ines.martin@example.org'} = any(${devMailbox.envelopeTo})`);
      return row;
    }, 15_000);
    expect(delivered.subject).not.toBe('');
    const email = await eventually(async () => {
      const row = await findEmail(harness.db, id);
      return row?.status === 'sent' ? row : undefined;
    });
    expect(email.attempts).toBe(1);
    expect(email.leaseUntil).toBeNull();
    expect(email.messageId).toContain(id);
    // The readiness probe's query answers at once.
    const started = Date.now();
    await harness.db.execute(sql`select 1`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('an admin creates a user: the invitation is delivered and every page keeps answering', async () => {
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    const browser = new TestBrowser(harness.app);
    await browser.login(admin.email);
    await browser.get('/admin/utilisateurs/nouveau');
    const created = await browser.post('/admin/utilisateurs/nouveau', { email: 'nadia.benali@passerelle.test', displayName: 'Nadia Benali', roles: ['charge'], sendInvitation: 'on' });
    expect(created.status).toBe(303);
    for (let i = 0; i < 5; i += 1) {
      const page = await within(5000, browser.get('/admin/courriels'));
      expect(page).not.toBe('timeout');
    }
    const mailbox = await eventually(async () => {
      const page = await browser.get('/admin/courriels');
      return page.text.includes('nadia.benali@passerelle.test') ? page : undefined;
    }, 15_000);
    expect(mailbox.status).toBe(200);
  }, 90_000);

  test('a query on the root handle inside a transaction fails at once instead of freezing', async () => {
    const db = harness.db;
    const outcome = await within(
      5000,
      refusal(
        db.transaction(async () => {
          await db.execute(sql`select 1`);
        }),
      ),
    );
    expect(outcome).toBeInstanceOf(TransactionMisuseError);
    // The connection is free again.
    expect(rowsOf<{ one: number }>(await db.execute(sql`select 1 as one`))[0]?.one).toBe(1);
  });
});

describe('e-mail claims and the transaction guard (PostgreSQL server)', () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb.drop();
  });

  test('a claim is exclusive until its lease runs out, then the email can be claimed again', async () => {
    const id = await queueTestEmail(testDb.db, 'claim-1');
    const now = new Date();
    const first = await claimEmail(testDb.db, id, now, MAIL_LEASE_MS);
    expect(first?.status).toBe('sending');
    expect(first?.attempts).toBe(1);
    expect(await claimEmail(testDb.db, id, new Date(now.getTime() + 1000), MAIL_LEASE_MS)).toBeUndefined();
    // A second job for the same email while the claim is live: retried later, nothing sent.
    const transport = createMailTransport('smtp://127.0.0.1:9');
    await expect(sendQueuedEmail({ db: testDb.db, transport, from: 'Passerelle <ne-pas-repondre@passerelle.test>' }, { emailId: id })).rejects.toBeInstanceOf(
      EmailClaimedElsewhereError,
    );
    // The sweeper sees it only once the lease has run out.
    const later = new Date(now.getTime() + MAIL_LEASE_MS + 1000);
    expect((await listStalePendingEmails(testDb.db, later, 10, new Date(now.getTime() + 1000))).map((row) => row.id)).not.toContain(id);
    expect((await listStalePendingEmails(testDb.db, later, 10, later)).map((row) => row.id)).toContain(id);
    const second = await claimEmail(testDb.db, id, later, MAIL_LEASE_MS);
    expect(second?.attempts).toBe(2);
    transport.close();
  });

  test('a failed delivery records the error outside any transaction and leaves the email pending', async () => {
    const id = await queueTestEmail(testDb.db, 'claim-2');
    const transport = createMailTransport('smtp://127.0.0.1:9'); // nothing listens on the discard port
    await expect(sendQueuedEmail({ db: testDb.db, transport, from: 'Passerelle <ne-pas-repondre@passerelle.test>' }, { emailId: id }, 1, 3)).rejects.toThrow(
      /email delivery failed/,
    );
    const row = await findEmail(testDb.db, id);
    expect(row?.status).toBe('pending');
    expect(row?.attempts).toBe(1);
    expect(row?.lastError).toBeTruthy();
    expect(row?.leaseUntil).toBeNull();
    transport.close();
  });

  test('a root-handle query, an e-mail or a nested root transaction inside a transaction are refused', async () => {
    const db = testDb.db;
    expect(await refusal(db.transaction(async () => db.execute(sql`select 1`)))).toBeInstanceOf(TransactionMisuseError);
    expect(await refusal(db.transaction(async () => db.transaction(async () => undefined)))).toBeInstanceOf(TransactionMisuseError);
    const transport = createMailTransport('smtp://127.0.0.1:9');
    expect(await refusal(db.transaction(async () => transport.sendMail({ to: 'a@example.org', text: 'x' })))).toBeInstanceOf(TransactionMisuseError);
    transport.close();
    // The transaction's own handle, a savepoint, and work after the transaction are fine.
    const value = await db.transaction(async (tx) => {
      await tx.transaction(async (savepoint) => savepoint.execute(sql`select 1`));
      return rowsOf<{ two: number }>(await tx.execute(sql`select 2 as two`))[0]?.two;
    });
    expect(value).toBe(2);
    let timerQuery: Promise<unknown> | undefined;
    await db.transaction(async () => {
      // Started inside, run after the commit: not blamed.
      timerQuery = new Promise((resolve, reject) => setTimeout(() => db.execute(sql`select 3`).then(resolve, reject), 50));
    });
    await expect(timerQuery).resolves.toBeDefined();
  });
});
