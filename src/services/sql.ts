import { Prisma } from '../db/generated/client.js';

export const sql = Prisma.sql;
export const join = Prisma.join;
export const empty = Prisma.empty;
export const raw = Prisma.raw;
export type Sql = Prisma.Sql;

/** A search term as a LIKE pattern matching it anywhere, with the term's own wildcards taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Joins conditions with AND; `TRUE` when there are none. */
export function allOf(conditions: Array<Sql | null | undefined>): Sql {
  const present = conditions.filter((c): c is Sql => !!c);
  return present.length ? join(present, ' AND ') : sql`TRUE`;
}

/** The columns of each table under the names of the Prisma models, for raw statements over alias `t`. */
export const columns = {
  audience: sql`t.id, t.account_id AS "accountId", t.name, t.name_key AS "nameKey", t.channel::text AS channel,
    t.created_at AS "createdAt", t.updated_at AS "updatedAt"`,
  contact: sql`t.id, t.account_id AS "accountId", t.phone, t.country, t.name, t.email, t.created_at AS "createdAt", t.updated_at AS "updatedAt"`,
  /** With the contact's number, which the row keeps (see the migration audience_contact_number). */
  audienceContact: sql`t.id, t.audience_id AS "audienceId", t.contact_id AS "contactId", t.phone AS number, t.country, t.first_name AS "firstName",
    t.last_name AS "lastName", t.timestamp, t.date, t.tags, t.created_at AS "createdAt", t.updated_at AS "updatedAt"`,
};
