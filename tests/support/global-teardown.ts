import { Client } from 'pg';
import { TEMPLATE_ENV, TEST_DATABASE_URL } from './env';

export default async function globalTeardown(): Promise<void> {
  const name = process.env[TEMPLATE_ENV];
  if (!name) return;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  // Drop the template and any clone a crashed test file left behind.
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname = $1 or datname like $2`,
    [name, `${name.replace('_tpl_', '_t_')}%`],
  );
  for (const row of rows) await admin.query(`drop database if exists ${row.datname} with (force)`);
  await admin.end();
  delete process.env[TEMPLATE_ENV];
}
