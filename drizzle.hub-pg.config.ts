import { defineConfig } from 'drizzle-kit';

// The hub on PostgreSQL: `npx drizzle-kit generate --config drizzle.hub-pg.config.ts`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/main/core/hub/schema.pg.ts',
  out: './migrations-hub/pg',
});
