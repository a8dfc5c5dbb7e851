import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a new migration under migrations/ from src/models/schema.
// Migrations are applied by the application itself (src/models/database.ts), on PGlite and PostgreSQL alike.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/models/schema/index.ts',
  out: './migrations',
  strict: true,
});
