// Tasks (« tâches », issue 12): the SQL of the tasks table. Rules, permissions and the journal
// live in src/services/tasks.service.ts.
import { and, eq, sql } from 'drizzle-orm';
import { rowsOf, type Database } from './database';
import { contacts, conventions, exchanges, organizations, tasks, users, type NewTask, type Task } from './schema';

export async function insertTask(db: Database, values: NewTask): Promise<Task> {
  const [row] = await db.insert(tasks).values(values).returning();
  if (!row) throw new Error('insert into tasks returned nothing');
  return row;
}

export async function findTaskById(db: Database, id: string): Promise<Task | undefined> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).limit(1);
  return row;
}

export async function lockTaskById(db: Database, id: string): Promise<Task | undefined> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).for('update').limit(1);
  return row;
}

export async function updateTaskRow(db: Database, id: string, values: Partial<NewTask>): Promise<Task> {
  const [row] = await db
    .update(tasks)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(tasks.id, id))
    .returning();
  if (!row) throw new Error(`task ${id} vanished during update`);
  return row;
}

/** Whether this user exists and may sign in (a task is only given to an active account). */
export async function isActiveUser(db: Database, id: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, id), eq(users.active, true)))
    .limit(1);
  return row !== undefined;
}

export interface TaskLinks {
  organizationId?: string | null;
  contactId?: string | null;
  conventionId?: string | null;
  exchangeId?: string | null;
}

/** Which of the given linked records exist, in one round trip (missing ones come back false). */
export async function linkedRecordsExist(db: Database, links: TaskLinks): Promise<Record<keyof TaskLinks, boolean>> {
  const probe = (table: typeof organizations | typeof contacts | typeof conventions | typeof exchanges, id: string | null | undefined) =>
    id ? sql<boolean>`exists(select 1 from ${table} where ${table.id} = ${id}::uuid)` : sql<boolean>`true`;
  const result = await db.execute(sql`select ${probe(organizations, links.organizationId)} as "organizationId",
    ${probe(contacts, links.contactId)} as "contactId",
    ${probe(conventions, links.conventionId)} as "conventionId",
    ${probe(exchanges, links.exchangeId)} as "exchangeId"`);
  const row = rowsOf<Record<keyof TaskLinks, boolean>>(result)[0];
  if (!row) throw new Error('linked records probe returned nothing');
  return row;
}
