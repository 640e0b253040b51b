import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgress } from '../src/cli/progress.js';
import { openDatabase } from '../src/db/database.js';
import { encodeGlobalId } from '../src/schema/ids.js';
import { createAccountWithKey } from '../src/services/accounts.js';
import { createAudience } from '../src/services/audiences.js';
import { createScratchDatabase } from './support/app.js';
import { databaseEnv, runScript } from './support/run.js';

const rows = 25_000;
/** A distinct valid number per row, written in two styles (the + and spaces are optional on input). */
const numberOf = (i: number) => {
  const [area, rest] = [['212', '646', '718'][Math.floor(i / 10_000)]!, String(i % 10_000).padStart(4, '0')];
  return i % 2 ? `+1 ${area} 555 ${rest}` : `1${area}555${rest}`;
};

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let dir: string;
let key: string;
let audienceGlobalId: string;
let audienceId: string;
let env: NodeJS.ProcessEnv;

async function audienceContactCount(): Promise<number> {
  const database = await openDatabase({ config: scratch.config });
  try {
    return await database.prisma.audienceContact.count({ where: { audienceId } });
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  scratch = await createScratchDatabase({ onDisk: true });
  dir = mkdtempSync(path.join(tmpdir(), 'cg-import-'));
  const database = await openDatabase({ config: scratch.config, migrate: true });
  try {
    const created = await createAccountWithKey(database.prisma, 'Importer');
    key = created.key;
    const audience = await createAudience({ prisma: database.prisma, readRows: database.readRows, accountId: created.account.id }, { name: 'From CSV', channel: 'SMS' });
    audienceId = audience.id;
    audienceGlobalId = encodeGlobalId('Audience', audience.id);
  } finally {
    await database.close();
  }
  env = { ...databaseEnv(scratch.config), CONTACT_GATEWAY_KEY: key };
});
afterAll(async () => {
  await scratch?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run import (CSV into an audience)', () => {
  it('streams a large file in batches with progress, lands every valid row and writes the rejected ones to a file', async () => {
    const lines = ['Phone,First Name,last_name,tags,notes'];
    for (let i = 0; i < rows; i++) lines.push(`${numberOf(i)},Person ${i},"Smith, Jr.",vip;batch-${Math.floor(i / 10_000)},ignored`);
    // Three bad rows (file lines 3, 15002 and 25001) and one repeat of row 0's number in the same batch (line 7).
    lines[2] = 'not a number,Bad,,,';
    lines[15_001] = `${numberOf(15_000)},${'x'.repeat(129)},,,`;
    lines[25_000] = ',Nobody,,,';
    lines[6] = `${numberOf(0)},Again,,,`;
    const csv = path.join(dir, 'contacts.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);

    const result = await runScript('src/cli/import.ts', ['--audience', audienceGlobalId, csv], env);
    expect(result.stderr).not.toMatch(/failed|stopped|error/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('into audience "From CSV" (SMS) of account "Importer"');
    expect(result.stderr).toMatch(/^Opening (embedded PGlite|PostgreSQL) .*: done in [\d.]+ s$/m);
    // Not a terminal: plain progress lines, one per batch, ending at 100%.
    const progressLines = result.stderr.trim().split('\n').filter((line) => line.startsWith('import: '));
    expect(progressLines).toHaveLength(3);
    expect(progressLines[0]).toMatch(/^import: \d+% 10,000 rows, 9,998 landed, 2 rejected, [\d,]+ rows\/s$/);
    expect(progressLines.at(-1)).toMatch(/^import: 100% 25,000 rows, 24,996 landed, 4 rejected/);
    expect(result.stdout).toMatch(/Done in [\d.]+ s: 25,000 rows read, 24,996 added, 0 updated, 4 rejected\./);

    const rejectedPath = path.join(dir, 'contacts.rejected.csv');
    expect(result.stdout).toContain(`Rejected rows, with the reason for each: ${rejectedPath}`);
    const rejected = readFileSync(rejectedPath, 'utf8').trim().split('\n');
    expect(rejected[0]).toBe('line,code,numericCode,field,message,Phone,First Name,last_name,tags,notes');
    expect(rejected.slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual([
      '3,VALIDATION_ERROR,1354',
      '7,CONTACT_ALREADY_EXISTS,1360',
      '15002,VALIDATION_ERROR,1361',
      '25001,VALIDATION_ERROR,1353',
    ]);
    expect(rejected[1]).toContain('not a number,Bad');

    expect(await audienceContactCount()).toBe(rows - 4);
    const database = await openDatabase({ config: scratch.config });
    try {
      const row = await database.prisma.audienceContact.findFirst({ where: { audienceId, contact: { phone: '+16465551234' } } });
      expect(row).toMatchObject({ firstName: 'Person 11234', lastName: 'Smith, Jr.', tags: ['vip', 'batch-1'] });
    } finally {
      await database.close();
    }
  });

  it('updates rather than duplicates when the same numbers come again, keeping fields the file leaves empty', async () => {
    const csv = path.join(dir, 'again.csv');
    // Rows 10 and 11 of the first file landed there; this file names them in the other number style.
    writeFileSync(csv, `number,firstName,lastName\n${numberOf(11)},Renamed,\n${numberOf(10)},,Jones\n`);
    const result = await runScript('src/cli/import.ts', ['--audience', audienceGlobalId, '--key', key, '--rejected', path.join(dir, 'none.csv'), csv], {
      ...env,
      CONTACT_GATEWAY_KEY: '',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/2 rows read, 0 added, 2 updated, 0 rejected\./);
    expect(existsSync(path.join(dir, 'none.csv'))).toBe(false);
    expect(await audienceContactCount()).toBe(rows - 4);
    const database = await openDatabase({ config: scratch.config });
    try {
      const renamed = await database.prisma.audienceContact.findFirst({ where: { audienceId, contact: { phone: '+12125550011' } } });
      expect(renamed).toMatchObject({ firstName: 'Renamed', lastName: 'Smith, Jr.' });
    } finally {
      await database.close();
    }
  });

  it('refuses, with a reason, an unknown key, a wrong audience id, a file without a number column, and missing arguments', async () => {
    const csv = path.join(dir, 'small.csv');
    writeFileSync(csv, `number\n${numberOf(3)}\n`);
    const unknownKey = await runScript('src/cli/import.ts', ['--audience', audienceGlobalId, csv], { ...env, CONTACT_GATEWAY_KEY: `cgk_${'A'.repeat(43)}` });
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('unknown or revoked');

    const notAnId = await runScript('src/cli/import.ts', ['--audience', 'abc', csv], env);
    expect(notAnId.code).toBe(1);
    expect(notAnId.stderr).toContain('is not an audience id');

    const otherAudience = await runScript('src/cli/import.ts', ['--audience', encodeGlobalId('Audience', '00000000-0000-4000-8000-000000000000'), csv], env);
    expect(otherAudience.code).toBe(1);
    expect(otherAudience.stderr).toContain('is not found in the account "Importer"');

    const noNumber = path.join(dir, 'names.csv');
    writeFileSync(noNumber, 'name\nAnn\n');
    const withoutNumber = await runScript('src/cli/import.ts', ['--audience', audienceGlobalId, noNumber], env);
    expect(withoutNumber.code).toBe(1);
    expect(withoutNumber.stderr).toContain('names no number column (found: name)');

    const usage = await runScript('src/cli/import.ts', [csv], { ...env, CONTACT_GATEWAY_KEY: '' });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Missing --audience <id>, --key or CONTACT_GATEWAY_KEY');
  });
});

describe('progress on a terminal', () => {
  it('redraws one bar in place and ends its line', () => {
    let written = '';
    const stream = { isTTY: true, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
    const progress = createProgress({ label: 'import', total: 200, stream, intervalMs: 0 });
    progress.update(50, '10 rows');
    progress.update(200, '40 rows');
    progress.finish();
    expect(written).toBe(
      `\r\x1b[2Kimport [########----------------------]  25% 10 rows` +
        `\r\x1b[2Kimport [##############################] 100% 40 rows\n`,
    );
  });
});
