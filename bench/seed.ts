import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { createAccountWithKey, createKeyForAccount } from '../src/services/accounts.js';
import { seededUuid } from './queries.js';

/**
 * The benchmark's data, generated inside PostgreSQL from generate_series (set-based INSERT … SELECT, no
 * API, no client round trips): deterministic ids (md5 of the row number), names and E.164 numbers, so
 * every run measures the same rows. Secondary indexes are dropped while loading and rebuilt afterwards,
 * which is several times faster than maintaining them row by row.
 */
export interface Scale {
  audiences: number;
  contacts: number;
  audienceContacts: number;
}

export const fullScale: Scale = { audiences: 1_000, contacts: 300_000, audienceContacts: 1_000_000 };
export const quickScale: Scale = { audiences: 100, contacts: 6_000, audienceContacts: 20_000 };

export interface Seeded {
  url: string;
  databaseName: string;
  accountId: string;
  apiKey: string;
  /** The audience holding every contact of the account: the one deep pages and searches run on. */
  bigAudienceId: string;
  seconds: { schema: number; rows: number; indexes: number; analyze: number; total: number };
}

// Real NANP area codes of the United States, so the numbers look like (and parse as) US numbers: the seed writes
// each number's country as the gateway would (its start-up fill would otherwise rewrite 1,000,000 rows mid-run).
export const AREA_CODES = ['201', '212', '213', '305', '312', '404', '415', '503', '512', '617', '646', '702', '713', '718', '773', '917'];
export const FIRST_NAMES = [
  'Ann', 'Anna', 'Aram', 'Ben', 'Carla', 'Chen', 'Daniel', 'David', 'Elena', 'Emma', 'Fatima', 'Gayane', 'George',
  'Hannah', 'Hovhannes', 'Isabel', 'Ivan', 'James', 'Jia', 'Karen', 'Laura', 'Lucas', 'Maria', 'Mariam', 'Martin',
  'Mei', 'Mohammed', 'Narek', 'Nina', 'Olivia', 'Omar', 'Pablo', 'Priya', 'Ravi', 'Sara', 'Sofia', 'Tigran', 'Tom',
  'Victoria', 'William', 'Yuki', 'Zara',
];
export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Martinez', 'Hernandez', 'Lopez',
  'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White', 'Harris',
  'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams',
  'Nelson', 'Hill', 'Petrosyan', 'Sargsyan', 'Hakobyan', 'Grigoryan', 'Kim', 'Nguyen', 'Chen', 'Singh', 'Kumar',
  'Tanaka', 'Suzuki', 'Rossi', 'Müller', 'Schmidt', 'Dubois', 'Novak', 'Kowalski', 'Ivanova', 'Haddad', 'Cohen',
];

/**
 * One contact in RARE_EVERY has this last name instead (0.05 % of the rows, as the rare term of issue 13's
 * search shapes: "1 row in 2,000"); no other name holds any three of its letters in a row, so a fragment of it
 * is a rare name fragment in every audience, which the lists above cannot give (every last name is on about 1
 * row in 56, every first name on 1 in 6).
 */
export const RARE_LAST_NAME = 'Okonkwo';
export const RARE_EVERY = 2_000;

const sqlArray = (values: string[]) => `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]`;

/** The E.164 number of contact `i` (SQL over column `i`): unique for i < 16 × 800 × 24 × … within the area codes. */
const usPhoneOf = (i: string) =>
  `'+1' || (${sqlArray(AREA_CODES)})[1 + ${i} % 16] || (200 + (${i} / 16) % 800)::text || lpad((((${i} / 12800) * 389 + ((${i} / 16) % 800) * 13) % 10000)::text, 4, '0')`;

/**
 * One contact in 10 has an Armenian mobile number (+374 93 … or +374 94 …) and one in 20 a British one (+44 7400 …),
 * the rest American: a country filter (issue 14: "the VIP contacts in Armenia") then selects a slice of an
 * audience, not all of it or nothing; half the Armenian rows of the big audience are tagged vip (row k of it is
 * contact k, tagged vip when k % 5 = 0), so "VIP in Armenia" is narrower than either. Each number is unique
 * (i / 20 < 1,000,000) and valid for libphonenumber, which gives the country.
 */
const phoneAndCountryOf = (i: string) => ({
  phone: `CASE ${i} % 20 WHEN 5 THEN '+37493' || lpad((${i} / 20)::text, 6, '0') WHEN 8 THEN '+37494' || lpad((${i} / 20)::text, 6, '0')
    WHEN 13 THEN '+447400' || lpad((${i} / 20)::text, 6, '0') ELSE ${usPhoneOf(i)} END`,
  country: `CASE ${i} % 20 WHEN 5 THEN 'AM' WHEN 8 THEN 'AM' WHEN 13 THEN 'GB' ELSE 'US' END`,
});

export function databaseUrl(adminUrl: string, databaseName: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
}

/**
 * `analyze: false` leaves the tables as a bulk load leaves them, never vacuumed nor analyzed (no column
 * statistics, no visibility map): the benchmark measures the search shapes on them first.
 */
export async function seed(
  adminUrl: string,
  databaseName: string,
  scale: Scale,
  log: (line: string) => void = () => {},
  { analyze = true }: { analyze?: boolean } = {},
): Promise<Seeded> {
  if (scale.contacts % 7919 === 0 || scale.audienceContacts < scale.contacts) throw new Error('unsupported scale');
  const started = performance.now();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const url = databaseUrl(adminUrl, databaseName);

  // The schema exactly as the server gets it: our own migrations.
  const database = await openDatabase({ config: { kind: 'postgres', url, poolSize: 2 }, migrate: true });
  const created = await createAccountWithKey(database.prisma, 'Benchmark');
  await database.close();
  const schemaDone = performance.now();
  log(`schema migrated in ${((schemaDone - started) / 1000).toFixed(1)} s`);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const accountId = created.account.id;
  const { audiences: A, contacts: C, audienceContacts: M } = scale;
  const bigAudience = A - 1;

  const indexes = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
     WHERE schemaname = 'public' AND tablename IN ('audience', 'contact', 'audience_contact') AND indexname NOT LIKE '%_pkey'`,
  );
  for (const index of indexes.rows) await client.query(`DROP INDEX "${index.indexname}"`);
  // Foreign keys hold by construction; skipping their per-row triggers halves the load time.
  await client.query(`SET session_replication_role = replica`);
  await client.query(`SET maintenance_work_mem = '512MB'`);
  const base = `'2026-01-01T00:00:00Z'::timestamptz`;

  // Audience `A-1` is created last and holds every contact, so "the first 50 audiences" are ordinary ones.
  await client.query(
    `INSERT INTO audience (id, account_id, name, name_key, channel, created_at, updated_at)
     SELECT md5('audience' || a)::uuid, $1::uuid, n.name, lower(n.name), (ARRAY['SMS','VIBER','WHATSAPP'])[1 + a % 3]::"Channel",
       ${base} + a * interval '1 second', ${base} + a * interval '1 second'
     FROM generate_series(0, ${A - 1}) a,
     LATERAL (SELECT CASE WHEN a = ${bigAudience} THEN 'All customers'
       ELSE (${sqlArray(['Spring sale', 'VIP', 'Newsletter', 'Yerevan', 'Boston', 'Trial users', 'Churn risk', 'Black Friday', 'Beta testers', 'Webinar'])})[1 + a % 10] || ' ' || lpad(a::text, 4, '0') END AS name) n`,
    [accountId],
  );
  await client.query(
    `INSERT INTO contact (id, account_id, phone, country, name, email, created_at, updated_at)
     SELECT md5('contact' || i)::uuid, $1::uuid, ${phoneAndCountryOf('i').phone}, ${phoneAndCountryOf('i').country}, f || ' ' || l,
       CASE WHEN i % 3 = 0 THEN NULL ELSE lower(f) || '.' || lower(l) || i || '@example.com' END,
       ${base} + i * interval '1 millisecond', ${base} + i * interval '1 millisecond'
     FROM generate_series(0, ${C - 1}) i,
     LATERAL (SELECT (${sqlArray(FIRST_NAMES)})[1 + (i * 7) % ${FIRST_NAMES.length}] AS f,
                     CASE WHEN i % ${RARE_EVERY} = ${RARE_EVERY - 1} THEN '${RARE_LAST_NAME}'
                       ELSE (${sqlArray(LAST_NAMES)})[1 + (i * 13 + i / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}] END AS l) n`,
    [accountId],
  );
  // Row k: the first C rows put every contact into the big audience; the rest spread over the others,
  // contact (n × 7919) mod C, which never repeats within one audience at these scales.
  await client.query(
    `INSERT INTO audience_contact (id, audience_id, contact_id, phone, country, first_name, last_name, timestamp, date, tags, created_at, updated_at)
     SELECT md5('audience_contact' || k)::uuid, md5('audience' || g.audience)::uuid, c.id, c.phone, c.country,
       CASE WHEN k % 50 = 7 THEN NULL ELSE split_part(c.name, ' ', 1) END, split_part(c.name, ' ', 2),
       CASE WHEN k % 4 = 0 THEN (1767225600 + k)::text END, CASE WHEN k % 4 = 1 THEN '2026-03-' || lpad((1 + k % 28)::text, 2, '0') END,
       CASE k % 5 WHEN 0 THEN ARRAY['vip'] WHEN 1 THEN ARRAY['newsletter', 'trial'] ELSE ARRAY[]::text[] END,
       ${base} + interval '1 hour' + k * interval '1 millisecond',
       ${base} + interval '1 hour' + k * interval '1 millisecond' + CASE WHEN k % 3 = 0 THEN (k % 97) * interval '1 day' ELSE interval '0' END
     FROM (
       SELECT k, CASE WHEN k < ${C} THEN ${bigAudience} ELSE (k - ${C}) % ${A - 1} END AS audience,
              CASE WHEN k < ${C} THEN k ELSE ((k - ${C})::bigint * 7919) % ${C} END AS contact
       FROM generate_series(0, ${M - 1}) k
     ) g
     JOIN contact c ON c.id = md5('contact' || g.contact)::uuid`,
  );
  await client.query(`SET session_replication_role = DEFAULT`);
  const rowsDone = performance.now();
  log(`rows loaded in ${((rowsDone - schemaDone) / 1000).toFixed(1)} s`);

  // Rebuilt two at a time: one per core.
  const pending = [...indexes.rows];
  const builders = await Promise.all(
    [0, 1].map(async () => {
      const builder = new pg.Client({ connectionString: url });
      await builder.connect();
      await builder.query(`SET maintenance_work_mem = '512MB'`);
      for (let index = pending.shift(); index; index = pending.shift()) await builder.query(index.indexdef);
      return builder;
    }),
  );
  await Promise.all(builders.map((builder) => builder.end()));
  const indexesDone = performance.now();
  log(`${indexes.rows.length} indexes built in ${((indexesDone - rowsDone) / 1000).toFixed(1)} s`);

  if (analyze) await client.query('VACUUM (ANALYZE) audience, contact, audience_contact');
  const counts = await client.query<{ audiences: number; contacts: number; audience_contacts: number; big: number }>(
    `SELECT (SELECT count(*)::int FROM audience) AS audiences, (SELECT count(*)::int FROM contact) AS contacts,
            (SELECT count(*)::int FROM audience_contact) AS audience_contacts,
            (SELECT count(*)::int FROM audience_contact WHERE audience_id = md5('audience' || ${bigAudience})::uuid) AS big`,
  );
  await client.end();
  const row = counts.rows[0]!;
  if (row.audiences !== A || row.contacts !== C || row.audience_contacts !== M || row.big !== C) {
    throw new Error(`seeded counts are off: ${JSON.stringify(row)}`);
  }
  const done = performance.now();
  const seconds = {
    schema: (schemaDone - started) / 1000,
    rows: (rowsDone - schemaDone) / 1000,
    indexes: (indexesDone - rowsDone) / 1000,
    analyze: (done - indexesDone) / 1000,
    total: (done - started) / 1000,
  };
  await recordSeedSeconds(adminUrl, databaseName, scale, seconds);
  return { url, databaseName, accountId, apiKey: created.key, bigAudienceId: seededUuid(`audience${bigAudience}`), seconds };
}

/** Kept with the data, so a run with --reuse reports how long the seeding took (and at what scale). */
export async function recordSeedSeconds(adminUrl: string, databaseName: string, scale: Scale, seconds: Seeded['seconds']) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`COMMENT ON DATABASE ${databaseName} IS '${JSON.stringify({ scale, seconds })}'`);
  await admin.end();
}

/** A database an earlier run seeded at this scale, with a fresh key for its account. */
export async function reuseSeeded(adminUrl: string, databaseName: string, scale: Scale): Promise<Seeded> {
  const url = databaseUrl(adminUrl, databaseName);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const comment = await client.query<{ info: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS info FROM pg_database WHERE datname = $1`, [databaseName]);
  await client.end();
  const info = comment.rows[0]?.info ? JSON.parse(comment.rows[0].info) : null;
  if (!info || JSON.stringify(info.scale) !== JSON.stringify(scale)) throw new Error(`${databaseName} was not seeded at this scale: run without --reuse`);
  const database = await openDatabase({ config: { kind: 'postgres', url, poolSize: 2 } });
  const account = await database.prisma.account.findFirstOrThrow({ where: { name: 'Benchmark' } });
  const created = await createKeyForAccount(database.prisma, account.id);
  await database.close();
  return { url, databaseName, accountId: account.id, apiKey: created.key, bigAudienceId: seededUuid(`audience${scale.audiences - 1}`), seconds: info.seconds };
}
