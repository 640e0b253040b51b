import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/assertions.js';
import { startTestApp, type TestApp } from './support/app.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await app.createAccount('Broken');
  await app.gql('mutation { createAudience(input: { name: "Before the break", channel: SMS }) { audience { id } } }');
  // Break the database under the server: every read of audiences now fails inside PostgreSQL.
  await app.database.prisma.$executeRawUnsafe('ALTER TABLE audience RENAME TO audience_moved_away');
});
afterAll(() => app?.close());

describe('unexpected failures', () => {
  it('reach the client masked as INTERNAL_SERVER_ERROR: no message, SQL or stack of the cause', async () => {
    const response = await app.gql('{ audiences { totalCount edges { node { id name } } } }');
    const error = expectError(response, { code: 'INTERNAL_SERVER_ERROR', status: 500, field: null });
    expect(error.message).toBe('Unexpected error');
    const body = JSON.stringify(response.body);
    expect(body).not.toMatch(/audience_moved_away|relation|does not exist|at .*\.ts|node_modules/);
    expect(error.extensions).not.toHaveProperty('originalError');
    expect(error.extensions).not.toHaveProperty('stacktrace');
  });

  it('are logged with their cause, so an operator can find what happened', async () => {
    app.logged.length = 0;
    await app.gql('{ audiences { totalCount } }');
    const entry = app.logged.find((line) => line.message === 'unexpected error');
    expect(entry).toBeDefined();
    expect(JSON.stringify(entry!.fields)).toMatch(/audience/);
  });

  it('leave the rest of the response intact: other fields still resolve', async () => {
    const response = await app.gql('{ viewer { name } contacts { totalCount } }');
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ viewer: { name: 'Broken' }, contacts: { totalCount: 0 } });
  });
});
