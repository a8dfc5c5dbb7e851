// `npm run seed`: loads the demo data into the configured database (DATABASE_URL, or the
// embedded PGlite database under DATA_DIR). See docs/demo-data.md.
//
// The embedded database allows one process only: while the application runs (npm start), it
// holds the lock on DATA_DIR and this command refuses to start rather than lose writes.
import path from 'node:path';
import { ConfigError, config, type Config } from '../config';
import { DataDirLockedError, openDatabase, type DatabaseHandle } from '../models/database';
import { logger } from '../lib/logger';
import { initializeFromTemplate } from '../lib/pglite-template';
import { configureWorkflowSettings } from '../workflows/definitions';
import { formatSeedReport, runSeed } from './seed';

const ALLOW_PRODUCTION_FLAG = '--allow-production';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** An empty DATA_DIR starts from the template made at install, as `npm start` does (src/boot.ts). */
async function openEmbedded(dataDir: string): Promise<DatabaseHandle> {
  initializeFromTemplate(path.join(dataDir, 'pgdata'));
  return openDatabase({ driver: 'pglite', dataDir });
}

async function main(): Promise<void> {
  let settings: Config;
  try {
    settings = config();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }

  if (settings.NODE_ENV === 'production' && !process.argv.includes(ALLOW_PRODUCTION_FLAG)) {
    fail(
      'npm run seed crée des comptes de démonstration au mot de passe public : refusé avec NODE_ENV=production ' +
        `(ajoutez « -- ${ALLOW_PRODUCTION_FLAG} » pour une instance de démonstration).\n` +
        'npm run seed creates demo accounts with a public password: refused with NODE_ENV=production.',
    );
  }

  // The demo circuits are started here: the same settings as the application (src/boot.ts).
  configureWorkflowSettings({ secondApprovalThreshold: settings.WORKFLOW_SECOND_APPROVAL_THRESHOLD });

  let handle: DatabaseHandle;
  try {
    handle =
      settings.databaseMode === 'server' && settings.DATABASE_URL
        ? await openDatabase({ driver: 'pg', url: settings.DATABASE_URL, poolSize: 2 })
        : await openEmbedded(settings.dataDir);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      fail(
        `La base embarquée ${settings.dataDir} est ouverte par l'application : arrêtez l'application (npm start) ` +
          'avant de lancer npm run seed.\n' +
          `The embedded database ${settings.dataDir} is open in the application: stop it (npm start) before running npm run seed.`,
      );
    }
    throw error;
  }

  try {
    await handle.migrate();
    const report = await runSeed(handle.db, logger.child({ module: 'seed' }), { baseUrl: settings.baseUrl });
    process.stdout.write(formatSeedReport(report));
  } finally {
    await handle.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    logger.error({ err: error }, 'seed: échec');
    process.stderr.write(`Échec du chargement des données de démonstration / seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
