// Migrates one template database per test run; each test file then clones it (fast, isolated).
import { Client } from 'pg';
import { openDatabase } from '../../src/models/database';
import { TEMPLATE_ENV, TEST_DATABASE_URL, databaseUrl } from './env';

export default async function globalSetup(): Promise<void> {
  if (process.env[TEMPLATE_ENV]) return; // both projects share one template
  const name = `passerelle_tpl_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const handle = await openDatabase({ driver: 'pg', url: databaseUrl(name), poolSize: 1 });
  await handle.migrate();
  await handle.close();
  process.env[TEMPLATE_ENV] = name;
}
