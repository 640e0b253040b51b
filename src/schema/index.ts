import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './account/account.js';
import './audience/audience.js';
import './audience/mutations.js';
import './contact/contact.js';
import './contact/mutations.js';
import './audienceContact/audienceContact.js';
import './audienceContact/mutations.js';
import './segments/mutations.js';
import './subscriptions/subscriptions.js';

export const schema = builder.toSchema();

/** The SDL committed as schema.graphql: sorted so diffs show real changes only. */
export function printSchemaSDL(): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
