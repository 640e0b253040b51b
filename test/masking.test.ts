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

  it('and errors a resolver raised, expected or not, say where in the document (locations), in queries and mutations', async () => {
    // Queries and mutations run compiled (src/schema/compiledQueries.ts), whose errors carried no AST nodes, so
    // yoga sent them without locations.
    const query = await app.gql('{\n  viewer { name }\n  node(id: "bad") { id }\n}');
    expect(expectError(query, { code: 'BAD_USER_INPUT', status: 400, field: 'id' }).locations).toEqual([{ line: 3, column: 3 }]);
    const unexpected = await app.gql('{ audiences { totalCount } }');
    expect(expectError(unexpected, { code: 'INTERNAL_SERVER_ERROR', status: 500, field: null }).locations).toEqual([{ line: 1, column: 3 }]);
    const mutation = await app.gql('mutation {\n  deleteAudience(input: { id: "QXVkaWVuY2U6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw" }) { deletedAudienceId }\n}');
    expect(mutation.body.errors?.[0]?.locations).toEqual([{ line: 2, column: 3 }]);
  });

  it('leave the rest of the response intact: other fields still resolve', async () => {
    const response = await app.gql('{ viewer { name } contacts { totalCount } }');
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ viewer: { name: 'Broken' }, contacts: { totalCount: 0 } });
  });
});
