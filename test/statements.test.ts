import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLiveEventPublish, startTestApp, type TestApp } from './support/app.js';

/**
 * No N+1: the statements a nested read sends must not grow with page sizes. Counted from Prisma's query
 * events, the SQL that actually reaches the database.
 */
let app: TestApp;
let statements: string[] = [];

const NESTED = `query ($audiences: Int!, $contacts: Int!) {
  audiences(first: $audiences) {
    totalCount
    edges { cursor node {
      id name
      contacts(first: $contacts) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id number firstName contact { id phone } audience { id name } } }
      }
    } }
  }
}`;

beforeAll(async () => {
  app = await startTestApp({ onQuery: (sql) => !isLiveEventPublish(sql) && statements.push(sql) });
  await app.createAccount('Counting');
  for (let a = 0; a < 50; a++) {
    const created = await app.gql('mutation ($name: String!) { createAudience(input: { name: $name, channel: SMS }) { audience { id } } }', {
      name: `Audience ${a}`,
    });
    const audienceId = created.body.data.createAudience.audience.id;
    const contacts = Array.from({ length: 20 }, (_, c) => ({ number: `+1415555${String(a * 20 + c).padStart(4, '0')}`, firstName: `P${c}` }));
    const imported = await app.gql(
      'mutation ($id: ID!, $contacts: [AudienceContactInput!]!) { importAudienceContacts(input: { audienceId: $id, contacts: $contacts }) { importedCount rejected { index message } } }',
      { id: audienceId, contacts },
    );
    expect(imported.body.data.importAudienceContacts).toEqual({ importedCount: 20, rejected: [] });
  }
});
afterAll(() => app?.close());

async function countStatements(audiences: number, contacts: number) {
  statements = [];
  const response = await app.gql(NESTED, { audiences, contacts });
  expect(response.body.errors).toBeUndefined();
  const page = response.body.data.audiences;
  expect(page.edges).toHaveLength(audiences);
  for (const edge of page.edges) expect(edge.node.contacts.edges).toHaveLength(contacts);
  return { count: statements.length, sql: [...statements], page };
}

describe('statements per request', () => {
  it('are the same for 2 audiences × 1 contact as for 50 audiences × 20 contacts with every totalCount', async () => {
    const small = await countStatements(2, 1);
    const large = await countStatements(50, 20);
    expect(large.page.totalCount).toBe(50);
    expect(large.page.edges[49].node.contacts.totalCount).toBe(20);
    expect(large.page.edges[0].node.contacts.edges[0].node.audience.name).toBe(large.page.edges[0].node.name);
    expect(large.count).toBe(small.count);
    // The key lookup, each connection's page and count, and one batch each for contacts and audiences.
    expect(large.count).toBeLessThanOrEqual(8);
  });

  it('stay fixed when the nested pages are reached through cursors', async () => {
    const first = await app.gql(NESTED, { audiences: 50, contacts: 5 });
    const after = first.body.data.audiences.edges[0].node.contacts.pageInfo.endCursor;
    statements = [];
    const response = await app.gql(
      `query ($after: String!) { audiences(first: 50) { edges { node { contacts(first: 10, after: $after) { totalCount edges { node { number } } } } } } }`,
      { after },
    );
    expect(response.body.errors).toBeUndefined();
    expect(statements.length).toBeLessThanOrEqual(6);
  });

  it('a search of a parent smaller than the walk answers its page, and its totalCount (here through a fragment), from the one walk', async () => {
    const audienceId = (await app.gql('{ audiences(first: 1) { edges { node { id } } } }')).body.data.audiences.edges[0].node.id;
    // "P1" is P1 and P10-P19: 11 of the audience's 20, fewer than a page of 15. The walk (up to 1,000 rows) runs
    // out of rows first, so it has seen every match: neither walking on nor the indexes can add one.
    const search = async (selection: string) => {
      statements = [];
      const response = await app.gql(
        `query ($id: ID!) { node(id: $id) { ... on Audience { contacts(first: 15, search: "P1") { edges { node { firstName } } ${selection} } } } }${selection ? ' fragment Total on AudienceContactConnection { totalCount }' : ''}`,
        { id: audienceId },
      );
      expect(response.body.errors).toBeUndefined();
      return { contacts: response.body.data.node.contacts, walks: statements.filter((text) => /row_number\(\)/.test(text)).length, indexes: statements.filter((text) => /MATERIALIZED/.test(text)).length };
    };
    const pageOnly = await search('');
    expect(pageOnly.contacts.edges).toHaveLength(11);
    expect(pageOnly.contacts.edges.map((edge: { node: { firstName: string } }) => edge.node.firstName).sort()).toEqual(
      ['P1', ...Array.from({ length: 10 }, (_, i) => `P1${i}`)].sort(),
    );
    expect(pageOnly).toMatchObject({ walks: 1, indexes: 0 });
    const withTotal = await search('...Total');
    expect(withTotal.contacts).toMatchObject({ totalCount: 11 });
    expect(withTotal).toMatchObject({ walks: 1, indexes: 0 });
  });
});
