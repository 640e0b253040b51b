// A typed client of the REST API: openapi-typescript turns /v1/openapi.json into types, and openapi-fetch checks
// every path, parameter, body and response against them at compile time (a typo in a path or a field is a tsc
// error, not a 404 at run time). Generate the types beside this file, then run it:
//
//   npx openapi-typescript http://localhost:4000/v1/openapi.json -o examples/generated/rest.ts
//   CONTACT_GATEWAY_KEY=cgk_... npx tsx examples/rest-client.ts
//
// It creates an audience, adds two numbers, and reads the contacts back one page at a time, following the
// pagination links. test/rest.openapiClient.test.ts type-checks it with tsc --strict and runs it.
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/rest.js';

type Audience = components['schemas']['Audience'];
type AudienceContact = components['schemas']['AudienceContact'];
type DexatelError = components['schemas']['DexatelError'];

type RestClient = ReturnType<typeof restClient>;

function restClient(baseUrl: string, key: string) {
  return createClient<paths>({ baseUrl, headers: { 'X-Dexatel-Key': key } });
}

/** The error every endpoint answers with, as one line: `404 AUDIENCE_NOT_FOUND (1301): Audience is not found`. */
class RestError extends Error {
  constructor(readonly body: DexatelError) {
    const { status, name, code, message } = body.error;
    super(`${status} ${name}${code === null ? '' : ` (${code})`}: ${message}`);
  }
}

async function createAudience(client: RestClient, name: string): Promise<Audience> {
  const { data, error } = await client.POST('/v1/audiences', { body: { data: { name, channel: 'SMS' } } });
  if (error) throw new RestError(error);
  return data.data;
}

async function addContact(client: RestClient, audienceId: string, contact: { number: string; first_name?: string; tags?: string[] }): Promise<AudienceContact> {
  const { data, error } = await client.POST('/v1/audiences/{audience_id}/contacts', {
    params: { path: { audience_id: audienceId } },
    body: { data: contact },
  });
  if (error) throw new RestError(error);
  return data.data;
}

/** Every contact of an audience, `pageSize` at a time: each page's `pagination.links.next` carries the next token. */
async function allContacts(client: RestClient, audienceId: string, pageSize: number): Promise<{ contacts: AudienceContact[]; total: number; pages: number }> {
  const contacts: AudienceContact[] = [];
  let pageToken: string | undefined;
  for (let pages = 1; ; pages++) {
    const { data, error } = await client.GET('/v1/audiences/{audience_id}/contacts', {
      params: { path: { audience_id: audienceId }, query: { page_size: String(pageSize), page_token: pageToken } },
    });
    if (error) throw new RestError(error);
    contacts.push(...data.data);
    const { next } = data.pagination.links;
    if (next === null) return { contacts, total: data.pagination.total, pages };
    pageToken = new URL(next).searchParams.get('page_token') ?? undefined;
  }
}

async function main() {
  const client = restClient(process.env.CONTACT_GATEWAY_URL ?? 'http://localhost:4000', process.env.CONTACT_GATEWAY_KEY ?? '');
  const audience = await createAudience(client, process.argv[2] ?? 'Spring sale');
  await addContact(client, audience.id, { number: '+14155552671', first_name: 'Ada', tags: ['vip'] });
  await addContact(client, audience.id, { number: '14155552672' });
  const { contacts, total, pages } = await allContacts(client, audience.id, 1);
  console.log(JSON.stringify({ audience: { id: audience.id, name: audience.name, channel: audience.channel }, numbers: contacts.map((contact) => contact.number), total, pages }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
