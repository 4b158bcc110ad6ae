import { defineConfig } from 'drizzle-kit';

// The hub on SQLite (no --database-url): `npx drizzle-kit generate --config drizzle.hub-sqlite.config.ts`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/main/core/hub/schema.sqlite.ts',
  out: './migrations-hub/sqlite',
});
