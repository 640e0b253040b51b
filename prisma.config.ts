import { defineConfig } from 'prisma/config';

// The CLI is used for `prisma generate` only: migrations run through the WASM schema engine
// (src/db/migrations.ts), because the native engine binary cannot be downloaded on offline machines.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
