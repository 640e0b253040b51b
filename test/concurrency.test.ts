import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestApp, testEngine, type TestApp } from './support/app.js';

let app: TestApp;
let audienceId: string;

beforeAll(async () => {
  app = await startTestApp();
  await app.createAccount('Racing');
  const created = await app.gql('mutation { createAudience(input: { name: "Race", channel: WHATSAPP }) { audience { id } } }');
  audienceId = created.body.data.createAudience.audience.id;
});
afterAll(() => app?.close());

const ADD = `mutation ($audienceId: ID!, $number: String!) {
  addAudienceContact(input: { audienceId: $audienceId, number: $number }) { audienceContact { id number } }
}`;

describe('uniqueness under concurrency (database constraints, not check-then-insert)', () => {
  it('20 concurrent adds of one number: exactly 1 success, 19 × 1360, one row', async () => {
    // Different spellings of the same number race too: they meet only after normalisation.
    const spellings = ['+14155550123', '14155550123', '+1 (415) 555-0123', '1 415 555 0123'];
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.gql(ADD, { audienceId, number: spellings[i % spellings.length] })),
    );
    const successes = responses.filter((r) => r.body.data?.addAudienceContact);
    const failures = responses.filter((r) => r.body.errors);
    expect(successes).toHaveLength(1);
    expect(failures).toHaveLength(19);
    for (const failure of failures) {
      expect(failure.body.errors![0]!.extensions).toMatchObject({ code: 'CONTACT_ALREADY_EXISTS', numericCode: 1360, status: 409 });
    }
    const rows = await app.database.prisma.audienceContact.count({ where: { contact: { phone: '+14155550123' } } });
    expect(rows).toBe(1);
    const contacts = await app.database.prisma.contact.count({ where: { phone: '+14155550123' } });
    expect(contacts).toBe(1);
  });

  it('20 concurrent createContact calls with one phone: 1 success, 19 × 1360', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.gql('mutation { createContact(input: { phone: "+442071838750" }) { contact { id } } }'),
      ),
    );
    expect(responses.filter((r) => r.body.data?.createContact)).toHaveLength(1);
    const codes = responses.filter((r) => r.body.errors).map((r) => r.body.errors![0]!.extensions!.numericCode);
    expect(codes).toEqual(Array(19).fill(1360));
    expect(await app.database.prisma.contact.count({ where: { phone: '+442071838750' } })).toBe(1);
  });

  it('concurrent creates of one audience name in different cases: 1 success, the rest 1309', async () => {
    const names = ['Launch', 'launch', 'LAUNCH', 'LaUnCh'];
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        app.gql('mutation ($name: String!) { createAudience(input: { name: $name, channel: SMS }) { audience { id } } }', {
          name: names[i % names.length],
        }),
      ),
    );
    expect(responses.filter((r) => r.body.data?.createAudience)).toHaveLength(1);
    const codes = responses.filter((r) => r.body.errors).map((r) => r.body.errors![0]!.extensions!.numericCode);
    expect(codes).toEqual(Array(11).fill(1309));
  });
});

describe.runIf(testEngine === 'postgres')('a removal and an import of the same audience', () => {
  it('the removal waits while an import holds the audience, so the import never counts a row it neither updated nor inserted', async () => {
    const added = await app.gql(ADD, { audienceId, number: '+14155550999' });
    const rowId = added.body.data.addAudienceContact.audienceContact.id;
    const rawAudienceId = Buffer.from(audienceId, 'base64').toString().split(':')[1]!;
    // What an import holds while it decides which rows exist: the audience row, FOR UPDATE.
    const importer = new pg.Client({ connectionString: (app.database.config as { url: string }).url });
    await importer.connect();
    try {
      await importer.query('BEGIN');
      await importer.query('SELECT id FROM audience WHERE id = $1 FOR UPDATE', [rawAudienceId]);
      let settled = false;
      const removal = app
        .gql('mutation ($id: ID!) { removeAudienceContact(input: { id: $id }) { removedAudienceContactId } }', { id: rowId })
        .finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(settled).toBe(false);
      await importer.query('COMMIT');
      expect((await removal).body.data.removeAudienceContact).toEqual({ removedAudienceContactId: rowId });
    } finally {
      await importer.end();
    }
  });
});


describe.runIf(testEngine === 'postgres')('an audience row and a change of its contact’s number', () => {
  it('a row written while the number changes takes the new number, never the one it replaced', async () => {
    const added = await app.gql(ADD, { audienceId, number: '+14155550777' });
    expect(added.body.errors).toBeUndefined();
    const [contact] = await app.database.prisma.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM contact WHERE phone = '+14155550777'`;
    const other = await app.gql('mutation { createAudience(input: { name: "Race 2", channel: SMS }) { audience { id } } }');
    const otherId = Buffer.from(other.body.data.createAudience.audience.id, 'base64').toString().split(':')[1]!;
    const url = (app.database.config as { url: string }).url;
    const changer = new pg.Client({ connectionString: url });
    const writer = new pg.Client({ connectionString: url });
    await Promise.all([changer.connect(), writer.connect()]);
    try {
      await changer.query('BEGIN');
      await changer.query("UPDATE contact SET phone = '+14155550778' WHERE id = $1", [contact!.id]);
      // A row written without its number (as Prisma's creates write it) while the change is uncommitted.
      let settled = false;
      const insert = writer
        .query('INSERT INTO audience_contact (audience_id, contact_id) VALUES ($1, $2) RETURNING phone', [otherId, contact!.id])
        .finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await changer.query('COMMIT');
      expect((await insert).rows).toEqual([{ phone: '+14155550778' }]);
      const numbers = await app.database.prisma.$queryRaw<Array<{ phone: string }>>`SELECT phone FROM audience_contact WHERE contact_id = ${contact!.id}::uuid`;
      expect(numbers.map((row) => row.phone)).toEqual(['+14155550778', '+14155550778']);
    } finally {
      await Promise.all([changer.end(), writer.end()]);
    }
  });
});
