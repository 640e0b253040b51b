import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchemaSDL } from '../schema/index.js';
import { printFederationSDL } from '../schema/federation/index.js';

// Both printed from one process: the default schema is built before the federation module marks its entities.
for (const [file, sdl] of [
  ['schema.graphql', printSchemaSDL()],
  ['schema.federation.graphql', printFederationSDL()],
] as const) {
  const target = fileURLToPath(new URL(`../../${file}`, import.meta.url));
  writeFileSync(target, sdl);
  console.log(`Wrote ${target}`);
}
