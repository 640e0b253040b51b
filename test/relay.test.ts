import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudienceScreen, connect, type RelayConnection } from '../examples/relay/client.js';
import { startTestApp, type TestApp } from './support/app.js';
import { projectRoot } from './support/run.js';
import { subscribed, until } from './support/live.js';

// The Relay example (examples/relay/): relay-compiler compiles its documents against schema.graphql, and its
// compiled operations run through relay-runtime's store and connection handler against the real server.

const relayDir = path.join(projectRoot, 'examples/relay');
const relayCompiler = path.join(projectRoot, 'node_modules/.bin/relay-compiler');

/** relay-compiler as `npx relay-compiler` in the example's directory runs it (its config's paths are relative). */
function relay(cwd: string, args: string[]) {
  const result = spawnSync(relayCompiler, args, { cwd, encoding: 'utf8' });
  return { code: result.status, output: result.stdout + result.stderr };
}

describe('relay-compiler', () => {
  it('finds the committed artifacts up to date with schema.graphql and the documents (run `npx relay-compiler` in examples/relay when this fails)', () => {
    const result = relay(relayDir, ['--validate', '--output', 'quiet-with-errors']);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('fails when the schema loses a field the documents use', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cg-relay-'));
    try {
      cpSync(relayDir, path.join(dir, 'relay'), { recursive: true });
      const schema = readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8');
      const withoutTotalCount = schema.replace(/^type AudienceContactConnection \{[\s\S]*?^\}/m, (type) => type.replace(/\n(\s*"""[^"]*"""\s*)?\s*totalCount: Int!/, ''));
      expect(withoutTotalCount).not.toBe(schema);
      writeFileSync(path.join(dir, 'schema.graphql'), withoutTotalCount);
      const config = JSON.parse(readFileSync(path.join(relayDir, 'relay.config.json'), 'utf8'));
      writeFileSync(path.join(dir, 'relay/relay.config.json'), JSON.stringify({ ...config, schema: '../schema.graphql' }));
      const result = relay(path.join(dir, 'relay'), ['--validate']);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain("The type `AudienceContactConnection` has no field `totalCount`");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the compiled operations through relay-runtime', () => {
  let app: TestApp;
  let key: string;
  let audienceId: string;
  // 23 contacts: pages of 5 end on a partial page. Every third one is a VIP.
  const firstNames = Array.from({ length: 23 }, (_, i) => `${String.fromCharCode(90 - i)}ara`);
  const vips = firstNames.filter((_, i) => i % 3 === 0);

  beforeAll(async () => {
    app = await startTestApp();
    ({ key } = await app.createAccount('Relay'));
    const created = await app.gql(`mutation { createAudience(input: { name: "Relay list", channel: SMS }) { audience { id } } }`);
    audienceId = created.body.data.createAudience.audience.id;
    const imported = await app.gql(
      `mutation ($input: ImportAudienceContactsInput!) { importAudienceContacts(input: $input) { importedCount rejected { index } } }`,
      {
        input: {
          audienceId,
          contacts: firstNames.map((firstName, i) => ({ number: `+1415555${String(100 + i).padStart(4, '0')}`, firstName, tags: i % 3 === 0 ? ['vip'] : [] })),
        },
      },
    );
    expect(imported.body.data.importAudienceContacts).toEqual({ importedCount: 23, rejected: [] });
  });
  const connections: RelayConnection[] = [];
  /** A fresh Relay store and network for the account, as a new browser session has. */
  const session = () => {
    const connection = connect(`${app.url}/graphql`, key);
    connections.push(connection);
    return connection.environment;
  };
  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.close()));
    await app?.close();
  });

  const sorted = (names: string[]) => [...names].sort((x, y) => x.localeCompare(y));

  it('pages an ordered connection to its end, every page appended to one list by the connection handler', async () => {
    const screen = (await AudienceScreen.open(session(), audienceId, { orderBy: { field: 'FIRST_NAME', direction: 'ASC' } }, 5))!;
    expect(screen.contacts().edges).toHaveLength(5);
    let pages = 1;
    while (await screen.loadMore(5)) pages++;
    const contacts = screen.contacts();
    expect(pages).toBe(5);
    expect(contacts.pageInfo.hasNextPage).toBe(false);
    expect(contacts.totalCount).toBe(23);
    expect(contacts.edges.map((edge) => edge.node.firstName)).toEqual(sorted(firstNames));
    expect(new Set(contacts.edges.map((edge) => edge.node.id)).size).toBe(23);
  });

  it('keeps one connection per search, order and filter, paged with those arguments', async () => {
    const environment = session();
    const screen = (await AudienceScreen.open(environment, audienceId, { filter: { tags: { any: ['vip'] } }, orderBy: { field: 'FIRST_NAME', direction: 'DESC' } }, 3))!;
    const contacts = await screen.loadAll(3);
    expect(contacts.totalCount).toBe(vips.length);
    expect(contacts.edges.map((edge) => edge.node.firstName)).toEqual(sorted(vips).reverse());
    // The same store, another search: its own connection, untouched by the first.
    const searched = (await AudienceScreen.open(environment, audienceId, { search: 'Zara' }, 3))!;
    expect((await searched.loadAll(3)).edges.map((edge) => edge.node.firstName)).toEqual(['Zara']);
    expect(searched.contacts().__id).not.toBe(screen.contacts().__id);
    expect(screen.contacts().edges).toHaveLength(vips.length);
  });

  it('refetches the @refetchable header through Node after the audience changes', async () => {
    const screen = (await AudienceScreen.open(session(), audienceId))!;
    expect(screen.header()).toMatchObject({ id: audienceId, name: 'Relay list', channel: 'SMS' });
    // Renamed by someone else: this store learns of it only by refetching.
    await app.gql(`mutation ($id: ID!) { updateAudience(input: { id: $id, name: "Renamed elsewhere" }) { audience { id } } }`, { id: audienceId });
    expect(screen.header().name).toBe('Relay list');
    expect((await screen.refetchHeader()).name).toBe('Renamed elsewhere');
    // Renamed through this store: the mutation's payload updates the header by the audience's id.
    await screen.rename('Relay list');
    expect(screen.header().name).toBe('Relay list');
  });

  it('appends a new contact to the list with @appendNode and takes a removed one out with @deleteEdge', async () => {
    const screen = (await AudienceScreen.open(session(), audienceId, {}, 10))!;
    await screen.loadAll(10);
    expect(screen.contacts().edges).toHaveLength(23);
    const added = await screen.addContact('+14155550999', 'Appended');
    const edges = screen.contacts().edges;
    expect(edges).toHaveLength(24);
    expect(edges.at(-1)!.node).toMatchObject({ id: added.addAudienceContact.audienceContact.id, number: '+14155550999', firstName: 'Appended', lastName: null });

    const removed = await screen.removeContact(edges[0]!.node.id);
    expect(removed.removeAudienceContact.removedAudienceContactId).toBe(edges[0]!.node.id);
    expect(screen.contacts().edges.map((edge) => edge.node.id)).toEqual(edges.slice(1).map((edge) => edge.node.id));
    // The server agrees with the store.
    const fresh = (await AudienceScreen.open(session(), audienceId, {}, 10))!;
    expect((await fresh.loadAll(10)).edges.map((edge) => edge.node.id)).toEqual(screen.contacts().edges.map((edge) => edge.node.id));
  });
});

describe('the live view through a subscription', () => {
  let app: TestApp;
  let key: string;
  let audienceId: string;
  let connection: RelayConnection;

  beforeAll(async () => {
    app = await startTestApp();
    ({ key } = await app.createAccount('Relay live'));
    const created = await app.gql(
      `mutation { createAudience(input: { name: "Live", channel: SMS, contacts: [{ number: "+14155550301", firstName: "Ann" }, { number: "+14155550302", firstName: "Bob" }] }) { audience { id } } }`,
    );
    audienceId = created.body.data.createAudience.audience.id;
    connection = connect(`${app.url}/graphql`, key);
  });
  afterAll(async () => {
    await connection?.close();
    await app?.close();
  });

  it("follows another client's adds, updates, removals and imports in the list on screen, its count too", async () => {
    const screen = (await AudienceScreen.open(connection.environment, audienceId, {}, 10))!;
    const names = () => screen.contacts().edges.map((edge) => edge.node.firstName);
    expect(names()).toEqual(['Ann', 'Bob']);
    const errors: Error[] = [];
    const live = screen.live((error) => errors.push(error));
    await subscribed(app.url, 1);

    // Another client (app.gql): nothing this store sent.
    const added = await app.gql(`mutation ($id: ID!) { addAudienceContact(input: { audienceId: $id, number: "+14155550303", firstName: "Cy" }) { audienceContact { id } } }`, { id: audienceId });
    await until(() => names().length === 3, 10_000, () => JSON.stringify(names()));
    expect(names()).toEqual(['Ann', 'Bob', 'Cy']);
    expect(screen.contacts().totalCount).toBe(3);

    const bob = screen.contacts().edges[1]!.node.id;
    await app.gql(`mutation ($id: ID!) { updateAudienceContact(input: { id: $id, firstName: "Bobby" }) { audienceContact { id } } }`, { id: bob });
    await until(() => names()[1] === 'Bobby', 10_000, () => JSON.stringify(names()));
    expect(names()).toEqual(['Ann', 'Bobby', 'Cy']);

    await app.gql(`mutation ($id: ID!) { removeAudienceContact(input: { id: $id }) { removedAudienceContactId } }`, { id: added.body.data.addAudienceContact.audienceContact.id });
    await until(() => names().length === 2, 10_000, () => JSON.stringify(names()));
    expect(names()).toEqual(['Ann', 'Bobby']);
    expect(screen.contacts().totalCount).toBe(2);

    // An import is one BATCH event with counts: the screen refetches its rows.
    await app.gql(`mutation ($id: ID!) { importAudienceContacts(input: { audienceId: $id, contacts: [{ number: "+14155550304", firstName: "Dee" }, { number: "+14155550305", firstName: "Eve" }] }) { importedCount } }`, { id: audienceId });
    await until(() => names().length === 4, 10_000, () => JSON.stringify(names()));
    // One transaction, one createdAt: the two imported rows are in id order, which is random.
    expect(names().slice(0, 2)).toEqual(['Ann', 'Bobby']);
    expect(names().slice(2).sort()).toEqual(['Dee', 'Eve']);
    expect(screen.contacts().totalCount).toBe(4);

    live.dispose();
    await subscribed(app.url, 0);
    expect(errors).toEqual([]);
  });
});
