import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema as defaultSchema } from '../src/schema/index.js';
import { federationSchema, printFederationSDL } from '../src/schema/federation/index.js';
import { encodeGlobalId } from '../src/schema/ids.js';
import { createCampaignsSubgraph } from '../examples/federation/campaigns.js';
import { composeSupergraph } from '../examples/federation/compose.js';
import { createScratchDatabase, type GraphQLResponse, startTestApp, type TestApp } from './support/app.js';
import { expectError, unknownId } from './support/assertions.js';
import { fences, matchSample, readDoc } from './support/docs.js';
import { databaseEnv, projectRoot, runCommand, startServerProcess, waitUntil } from './support/run.js';

// The Contact Gateway as an Apollo Federation v2 subgraph (FEDERATION=1), composed with the example campaigns
// subgraph (examples/federation/) and served by Hive Gateway's own CLI, as a user would run it.

let app: TestApp;
let a: { key: string; accountId: string };
let b: { key: string; accountId: string };
let campaigns: Server;
let gateway: ChildProcess;
let gatewayOutput = '';
let gatewayUrl: string;
let workdir: string;
const A = { audience: '', contact: '', audienceContact: '' };
let bAudience = '';

async function post(url: string, query: string, variables: Record<string, unknown> = {}, key: string | null = a.key): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(key ? { 'x-dexatel-key': key } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}
/** A port of this suite's range (4400-4499) that nothing listens on now: the gateway's. */
async function gatewayPort(): Promise<number> {
  for (let port = 4400; port < 4500; port++) {
    const server = createTcpServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
  throw new Error('no free port in 4400-4499');
}
const viaGateway = (query: string, variables?: Record<string, unknown>, key?: string | null) => post(`${gatewayUrl}/graphql`, query, variables, key);

beforeAll(async () => {
  app = await startTestApp({ gateway: { schema: federationSchema } });
  a = await app.createAccount('Federated A');
  b = await app.createAccount('Federated B');
  const created = await app.gql(
    `mutation { createAudience(input: { name: "Launch", channel: SMS, contacts: [{ number: "+14155550101", firstName: "Ada" }] }) {
       audience { id contacts(first: 1) { edges { node { id contact { id } } } } } } }`,
  );
  const audience = created.body.data.createAudience.audience;
  A.audience = audience.id;
  A.audienceContact = audience.contacts.edges[0].node.id;
  A.contact = audience.contacts.edges[0].node.contact.id;
  const other = await app.gql(`mutation { createAudience(input: { name: "B's", channel: SMS }) { audience { id } } }`, {}, { key: b.key });
  bAudience = other.body.data.createAudience.audience.id;

  campaigns = createServer(createCampaignsSubgraph());
  await new Promise<void>((resolve) => campaigns.listen(0, '127.0.0.1', resolve));
  const campaignsUrl = `http://127.0.0.1:${(campaigns.address() as { port: number }).port}/graphql`;

  workdir = mkdtempSync(path.join(tmpdir(), 'cg-federation-'));
  const supergraph = path.join(workdir, 'supergraph.graphql');
  writeFileSync(supergraph, composeSupergraph({ contacts: `${app.url}/graphql`, campaigns: campaignsUrl }));
  const port = await gatewayPort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  gateway = spawn(
    path.join(projectRoot, 'node_modules/.bin/hive-gateway'),
    ['supergraph', supergraph, '-c', 'examples/federation/gateway.config.ts', '--host', '127.0.0.1', '--port', String(port), '--polling', '1h'],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  gateway.stdout!.on('data', (chunk) => (gatewayOutput += chunk));
  gateway.stderr!.on('data', (chunk) => (gatewayOutput += chunk));
  let ready = false;
  await waitUntil(() => {
    if (!ready) void fetch(`${gatewayUrl}/readiness`).then((r) => (ready = r.ok), () => {});
    return ready || gateway.exitCode !== null;
  }, 60_000);
  if (!ready) throw new Error(`Hive Gateway did not start:\n${gatewayOutput}`);
});

afterAll(async () => {
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    await exited;
  }
  await new Promise((resolve) => campaigns?.close(resolve));
  await app?.close();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('the subgraph schema', () => {
  it('is schema.federation.graphql: run `npm run schema` and commit the result when this fails', () => {
    const committed = readFileSync(new URL('../schema.federation.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printFederationSDL());
  });

  it('marks the four node types as entities keyed by id, and leaves the default schema without them', () => {
    const sdl = printFederationSDL();
    for (const type of ['Account', 'Audience', 'Contact', 'AudienceContact']) {
      expect(sdl).toMatch(new RegExp(`type ${type} implements Node\\s+@key\\(fields: "id"\\)`));
    }
    expect(federationSchema.getQueryType()!.getFields()).toHaveProperty('_entities');
    expect(defaultSchema.getQueryType()!.getFields()).not.toHaveProperty('_entities');
    expect(defaultSchema.getQueryType()!.getFields()).not.toHaveProperty('_service');
    expect(defaultSchema.getType('_Any')).toBeUndefined();
  });

  it('answers _service { sdl } with the committed SDL', async () => {
    const response = await app.gql('{ _service { sdl } }');
    expect(response.body.data._service.sdl + '\n').toBe(readFileSync(new URL('../schema.federation.graphql', import.meta.url), 'utf8'));
  });
});

describe('the entry point', () => {
  it("loads none of Apollo's federation libraries without FEDERATION=1 (10.6 MB of RSS measured)", async () => {
    // The build npm start runs (test/support/globalSetup.ts made it): its server module, then the federation one.
    const count = "Object.keys(require.cache).filter((m) => /@apollo[\\/](subgraph|federation-internals)/.test(m)).length";
    const script = `import('./dist/server.js').then(() => console.log(${count})).then(() => import('./dist/schema/federation/index.js')).then(() => console.log(${count}))`;
    const result = await runCommand(process.execPath, ['-e', script], process.env);
    expect(result.stdout.trim().split('\n').map(Number)).toEqual([0, expect.any(Number)]);
    expect(Number(result.stdout.trim().split('\n')[1])).toBeGreaterThan(0);
  });


  it('serves the subgraph with FEDERATION=1 (the default schema, without it, has no _Entity: see above)', async () => {
    const scratch = await createScratchDatabase({ onDisk: true });
    try {
      const server = await startServerProcess({ ...databaseEnv(scratch.config), FEDERATION: '1' });
      try {
        // Introspection needs no key.
        const response = await post(`${server.url}/graphql`, `{ __type(name: "_Entity") { possibleTypes { name } } }`, {}, null);
        expect(response.body).toEqual({
          data: { __type: { possibleTypes: [{ name: 'Account' }, { name: 'Audience' }, { name: 'AudienceContact' }, { name: 'Contact' }] } },
        });
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    } finally {
      await scratch.drop();
    }
  });
});

describe('_entities', () => {
  const entities = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Account { id name }
      ... on Audience { id name }
      ... on Contact { id phone }
      ... on AudienceContact { id number firstName }
    }
  }`;

  it("resolves the caller's entities through its loaders, and another account's, another type's or an unknown id to null, like node", async () => {
    const response = await app.gql(entities, {
      representations: [
        { __typename: 'Account', id: encodeGlobalId('Account', a.accountId) },
        { __typename: 'Audience', id: A.audience },
        { __typename: 'Contact', id: A.contact },
        { __typename: 'AudienceContact', id: A.audienceContact },
        { __typename: 'Audience', id: bAudience },
        { __typename: 'Account', id: encodeGlobalId('Account', b.accountId) },
        { __typename: 'Contact', id: A.audience },
        { __typename: 'Audience', id: unknownId('Audience') },
      ],
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data._entities).toEqual([
      { __typename: 'Account', id: encodeGlobalId('Account', a.accountId), name: 'Federated A' },
      { __typename: 'Audience', id: A.audience, name: 'Launch' },
      { __typename: 'Contact', id: A.contact, phone: '+14155550101' },
      { __typename: 'AudienceContact', id: A.audienceContact, number: '+14155550101', firstName: 'Ada' },
      null,
      null,
      null,
      null,
    ]);
    // The same references with B's key: A's rows are B's nulls.
    const asB = await app.gql(entities, { representations: [{ __typename: 'Audience', id: A.audience }] }, { key: b.key });
    expect(asB.body.data._entities).toEqual([null]);
  });

  it('refuses a malformed id as node(id:) does', async () => {
    const response = await app.gql(entities, { representations: [{ __typename: 'Audience', id: 'not-an-id' }] });
    expectError(response, { code: 'BAD_USER_INPUT', status: 400, field: 'representations' });
  });

  it('refuses a reference to a type that is not one of its entities', async () => {
    const response = await app.gql(entities, { representations: [{ __typename: 'Campaign', id: A.audience }] });
    expectError(response, { code: 'BAD_USER_INPUT', status: 400, field: 'representations' });
  });

  it('needs a key, as every data query does', async () => {
    const response = await app.gql(entities, { representations: [{ __typename: 'Audience', id: A.audience }] }, { key: null });
    expect(response.status).toBe(401);
    expectError(response, { code: 'UNAUTHENTICATED', status: 401 });
  });
});

describe('behind Hive Gateway, composed with the campaigns subgraph', () => {
  it('runs a query that spans both subgraphs, with the API key forwarded to each', async () => {
    const created = await viaGateway(
      `mutation ($audienceId: ID!) { createCampaign(name: "Spring sale", audienceId: $audienceId) { name audience { name contacts(first: 5) { totalCount edges { node { firstName } } } } } }`,
      { audienceId: A.audience },
    );
    expect(created.body).toEqual({
      data: { createCampaign: { name: 'Spring sale', audience: { name: 'Launch', contacts: { totalCount: 1, edges: [{ node: { firstName: 'Ada' } }] } } } },
    });
    // The other direction: the Contact Gateway's audience, with the campaigns the other subgraph keeps for it.
    const audience = await viaGateway(`query ($id: ID!) { audience(id: $id) { name campaigns { name audience { id } } } }`, { id: A.audience });
    expect(audience.body).toEqual({ data: { audience: { name: 'Launch', campaigns: [{ name: 'Spring sale', audience: { id: A.audience } }] } } });
  });

  it("scopes each subgraph to the forwarded key's account: B sees none of A's audiences or campaigns", async () => {
    const response = await viaGateway(`query ($id: ID!) { audience(id: $id) { name } campaigns { name } }`, { id: A.audience }, b.key);
    expect(response.body).toEqual({ data: { audience: null, campaigns: [] } });
  });

  it('passes a missing key on as UNAUTHENTICATED with its status', async () => {
    const response = await viaGateway(`{ viewer { name } }`, {}, null);
    expect(response.body.data ?? null).toBeNull();
    const error = response.body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it('keeps code, numericCode and status of a catalogued error', async () => {
    const response = await viaGateway(`{ audience(id: "not-an-id") { name } }`);
    expectError(response, { code: 'INVALID_AUDIENCE_ID', numericCode: 1302, status: 400, field: 'id' });
    expect(response.body.data).toEqual({ audience: null });
  });

  it("still applies the Contact Gateway's limits to what the gateway asks of it", async () => {
    // 100 audiences x 100 contacts x 100 of each contact's audiences: a million objects, over the 25,000 a query may cost.
    const response = await viaGateway(
      `{ audiences(first: 100) { edges { node { contacts(first: 100) { edges { node { contact { audiences(first: 100) { edges { node { name } } } } } } } } } } }`,
    );
    const error = response.body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', status: 400 });
    expect(response.body.data?.audiences ?? null).toBeNull();
  });

  it("still applies the Contact Gateway's depth limit", async () => {
    // 14 levels, over the 12 a query may have.
    const response = await viaGateway(
      `{ audiences(first: 1) { edges { node { contacts(first: 1) { edges { node { contact { audiences(first: 1) { edges { node { contacts(first: 1) { edges { node { number } } } } } } } } } } } } } }`,
    );
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', status: 400 });
    expect(response.body.data?.audiences ?? null).toBeNull();
  });
});

describe("docs/ecosystem.md's graphql examples, through the gateway", () => {
  const DOC = 'docs/ecosystem.md';
  const blocks = fences(readDoc(DOC)).filter((block) => !block.notRun);
  const examples = blocks.flatMap((block, index) => {
    if (block.lang !== 'graphql') return [];
    const jsons = [];
    for (let next = index + 1; blocks[next]?.lang === 'json'; next++) jsons.push(JSON.parse(blocks[next]!.code));
    const answer = jsons.find((json) => 'data' in json || 'errors' in json);
    const variables = jsons.find((json) => json !== answer);
    return [{ line: block.line, query: block.code, variables, answer }];
  });

  it('has examples, each with its answer', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples.every((example) => example.answer)).toBe(true);
  });

  for (const example of examples) {
    it(`answers the block at ${DOC}:${example.line} as the page shows`, async () => {
      // The page's placeholder: the id a reader's own audience has.
      const variables = JSON.parse(JSON.stringify(example.variables ?? {}).replaceAll('"$audienceId"', JSON.stringify(A.audience)));
      const response = await viaGateway(example.query, variables);
      expect(matchSample(example.answer, response.body, gatewayUrl), JSON.stringify(response.body)).toEqual([]);
    });
  }
});
