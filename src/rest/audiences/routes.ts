import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { validateChannel } from '../../domain/validation.js';
import {
  addAudienceContact,
  removeAudienceContact,
  requireAudienceContactIn,
  updateAudienceContact,
} from '../../services/audienceContacts.js';
import {
  audienceContactFilter,
  countAudienceContacts,
  createAudience,
  deleteAudience,
  listAudienceContacts,
  listAudiences,
  requireAudience,
  updateAudience,
} from '../../services/audiences.js';
import type { RestEnv } from '../context.js';
import { RestFieldError } from '../errors.js';
import { type ExportDependencies, exportResponse } from '../export.js';
import { AudienceContactSegmentParams, audienceContactSegment, rejectUnknownFilters, restFilterErrors } from '../filters.js';
import { audienceIdParam, contactIdParam } from '../ids.js';
import { pageQuery, pagination } from '../pagination.js';
import { apiBase } from '../present.js';
import { apiKeySecurity, DexatelErrorSchema, errorResponses } from '../schemas.js';
import {
  AudienceContactFields,
  audienceContactInput,
  AudienceContactSchema,
  AudienceSchema,
  PaginationSchema,
  presentAudience,
  presentAudienceContact,
} from './schemas.js';

/**
 * Dexatel's Audience API v1 (seeds 000–002 and the rest of the same API): audiences and the contacts in
 * them, one service call per endpoint. Ids are the rows' UUIDs; bodies wrap their fields in `data`.
 */

const tags = ['Audiences'];
const security = apiKeySecurity;
const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) => errorResponses(DexatelErrorSchema, statuses);

const AudienceParams = z.object({ audience_id: z.string().openapi({ param: { name: 'audience_id', in: 'path', description: 'Unique identifier of the audience' }, example: '22089fd7-7b74-4815-8452-3a8e864affbc' }) });
const AudienceContactParams = AudienceParams.extend({
  contact_id: z.string().openapi({ param: { name: 'contact_id', in: 'path', description: 'Unique identifier of the contact in the audience' }, example: 'fe84f52d-d05e-4af6-b93a-08dc0110f536' }),
});
const PageParams = {
  page_token: z.string().optional().openapi({ description: 'Token of the page to read, from the links of a previous response' }),
  page_size: z.string().optional().openapi({ description: 'Items a page, 1 to 100 (default 50)', example: '50' }),
};

/** How the services' field names read in this API's errors. */
const listFields = { first: 'page_size', last: 'page_size', after: 'page_token', before: 'page_token' };
const audienceFields = { id: 'audience_id', audienceId: 'audience_id' };
const contactFields = { id: 'contact_id', audienceId: 'audience_id' };

/** The filter and sort parameters of a request for an audience's contacts; unknown `filter[...]` parameters are refused. */
function segmentOf(url: string, query: Parameters<typeof audienceContactSegment>[0]) {
  rejectUnknownFilters(new URL(url).searchParams.keys());
  return audienceContactSegment(query);
}

export function registerAudienceRoutes(app: OpenAPIHono<RestEnv>, exports: ExportDependencies): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/audiences',
      operationId: 'listAudiences',
      summary: 'List the audiences of the account',
      tags,
      security,
      request: {
        query: z.object({ ...PageParams, 'filter[channel]': z.string().optional().openapi({ description: 'SMS, VIBER or WHATSAPP, in any case' }) }),
      },
      responses: { 200: { description: 'A page of audiences, oldest first', ...json(z.object({ data: z.array(AudienceSchema), pagination: PaginationSchema })) }, ...errors(400, 422) },
    }),
    async (c) => {
      c.set('fieldNames', { ...listFields, channel: 'filter[channel]' });
      const query = c.req.valid('query');
      const page = pageQuery(query);
      const channel = query['filter[channel]'] === undefined ? null : validateChannel(query['filter[channel]']);
      const connection = await listAudiences(c.var.scope, { ...page.args, channel });
      const base = apiBase(c.req.url);
      return c.json(
        { data: connection.edges.map((edge) => presentAudience(base, edge.node)), pagination: pagination(new URL(c.req.url), page, connection, await connection.totalCount()) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/audiences',
      operationId: 'createAudience',
      summary: 'Create an audience, with up to 10 contacts',
      tags,
      security,
      request: {
        body: {
          required: true,
          ...json(
            z.object({
              data: z.object({
                name: z.string().nullish().openapi({ description: '1 to 128 characters, unique in the account ignoring case', example: 'Spring sale' }),
                channel: z.string().nullish().openapi({ description: 'SMS, VIBER or WHATSAPP', example: 'SMS' }),
                contacts: z.array(AudienceContactFields).nullish().openapi({ description: 'At most 10; all land or none does' }),
              }),
            }),
          ),
        },
      },
      responses: { 201: { description: 'The audience', ...json(z.object({ data: AudienceSchema })) }, ...errors(400, 409, 413, 415, 422) },
    }),
    async (c) => {
      const { data } = c.req.valid('json');
      const audience = await createAudience(c.var.scope, {
        name: data.name,
        channel: data.channel,
        contacts: data.contacts?.map(audienceContactInput),
      });
      return c.json({ data: presentAudience(apiBase(c.req.url), audience, data.contacts?.length ?? 0) }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audiences/{audience_id}',
      operationId: 'getAudience',
      summary: 'Read an audience, with the number of its contacts',
      tags,
      security,
      request: { params: AudienceParams },
      responses: { 200: { description: 'The audience', ...json(z.object({ data: AudienceSchema })) }, ...errors(400, 404) },
    }),
    async (c) => {
      c.set('fieldNames', audienceFields);
      const audience = await requireAudience(c.var.scope, audienceIdParam(c.req.valid('param').audience_id));
      return c.json({ data: presentAudience(apiBase(c.req.url), audience, await countAudienceContacts(c.var.scope, audience)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/audiences/{audience_id}',
      operationId: 'updateAudience',
      summary: 'Rename an audience',
      tags,
      security,
      request: {
        params: AudienceParams,
        body: { required: true, ...json(z.object({ data: z.object({ name: z.string().nullish().openapi({ example: 'Summer sale' }) }) })) },
      },
      responses: { 200: { description: 'The audience', ...json(z.object({ data: AudienceSchema })) }, ...errors(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      c.set('fieldNames', audienceFields);
      const id = audienceIdParam(c.req.valid('param').audience_id);
      // A rename needs a name: a PUT without one is 1303, not a silent no-op.
      const audience = await updateAudience(c.var.scope, id, { name: c.req.valid('json').data.name ?? null });
      return c.json({ data: presentAudience(apiBase(c.req.url), audience, await countAudienceContacts(c.var.scope, audience)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/audiences/{audience_id}',
      operationId: 'deleteAudience',
      summary: "Delete an audience (the account's contacts stay)",
      tags,
      security,
      request: { params: AudienceParams },
      responses: { 204: { description: 'Deleted' }, ...errors(400, 404) },
    }),
    async (c) => {
      c.set('fieldNames', audienceFields);
      await deleteAudience(c.var.scope, audienceIdParam(c.req.valid('param').audience_id));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audiences/{audience_id}/contacts',
      operationId: 'listAudienceContacts',
      summary: 'List the contacts of an audience',
      tags,
      security,
      request: {
        params: AudienceParams,
        query: z.object({ ...PageParams, ...AudienceContactSegmentParams }),
      },
      responses: {
        200: {
          description: 'A page of the contacts the filters select, oldest first unless sort says otherwise',
          ...json(z.object({ data: z.array(AudienceContactSchema), pagination: PaginationSchema })),
        },
        ...errors(400, 404),
      },
    }),
    async (c) => {
      c.set('fieldNames', { ...audienceFields, ...listFields });
      const query = c.req.valid('query');
      const page = pageQuery(query);
      const segment = segmentOf(c.req.url, query);
      const audience = await requireAudience(c.var.scope, audienceIdParam(c.req.valid('param').audience_id));
      // The page's pagination always shows its total; its links keep the filter and sort parameters, which the
      // page_token's cursor is bound to (another filter or sort with it is 400).
      const connection = await restFilterErrors(() => listAudienceContacts(c.var.scope, audience, { ...page.args, ...segment, withTotal: true }));
      const base = apiBase(c.req.url);
      const rows = connection.edges.map((edge) => edge.node);
      const data = rows.map((row) => presentAudienceContact(base, audience.accountId, row));
      return c.json({ data, pagination: pagination(new URL(c.req.url), page, connection, await connection.totalCount()) }, 200);
    },
  );

  // Before /contacts/{contact_id}: Hono tries routes in the order they were added, and "export" is no contact id.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/audiences/{audience_id}/contacts/export',
      operationId: 'exportAudienceContacts',
      summary: 'Export the contacts of an audience (CSV or NDJSON), with the filters and sort of the list',
      description:
        'Streams every contact the filters select, in the sort order, as CSV (the columns `npm run import` reads back: number, ' +
        'firstName, lastName, timestamp, date, tags joined by ";") or as NDJSON (one JSON object a line, tags as an array). ' +
        'On PostgreSQL the rows are one snapshot of the audience; on the embedded database each batch of 2,000 rows sees ' +
        'the data as it is when it is read. A response cut short (no final chunk) is an export that failed: retry it.',
      tags,
      security,
      request: {
        params: AudienceParams,
        query: z.object({
          ...AudienceContactSegmentParams,
          format: z.enum(['csv', 'ndjson']).optional().openapi({ description: 'csv (the default) or ndjson', example: 'csv' }),
        }),
      },
      responses: {
        200: {
          description: 'The contacts, streamed',
          content: {
            'text/csv': { schema: z.string().openapi({ example: 'number,firstName,lastName,timestamp,date,tags\n+14155552671,Ann,Smith,,,vip;spring\n' }) },
            'application/x-ndjson': { schema: z.string().openapi({ example: '{"number":"+14155552671","firstName":"Ann","lastName":"Smith","timestamp":null,"date":null,"tags":["vip","spring"]}\n' }) },
          },
        },
        ...errors(400, 404),
      },
    }),
    async (c) => {
      c.set('fieldNames', audienceFields);
      const query = c.req.valid('query');
      const { filter: input, orderBy } = segmentOf(c.req.url, query);
      const audience = await requireAudience(c.var.scope, audienceIdParam(c.req.valid('param').audience_id));
      // Everything that can be refused is refused here, before the 200 goes out.
      const filter = await restFilterErrors(() => audienceContactFilter(input));
      const format = query.format ?? 'csv';
      return exportResponse(exports, { audienceId: audience.id, filter, order: orderBy, format }, { requestId: c.var.requestId, accountId: c.var.account.id, audienceId: audience.id });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/audiences/{audience_id}/contacts',
      operationId: 'addAudienceContact',
      summary: "Add a number to an audience (the account's contact is found or created)",
      tags,
      security,
      request: { params: AudienceParams, body: { required: true, ...json(z.object({ data: AudienceContactFields })) } },
      responses: { 201: { description: 'The contact in the audience', ...json(z.object({ data: AudienceContactSchema })) }, ...errors(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      c.set('fieldNames', { audienceId: 'audience_id' });
      const audienceId = audienceIdParam(c.req.valid('param').audience_id);
      const row = await addAudienceContact(c.var.scope, audienceId, audienceContactInput(c.req.valid('json').data));
      const data = presentAudienceContact(apiBase(c.req.url), c.var.account.id, row);
      return c.json({ data }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audiences/{audience_id}/contacts/{contact_id}',
      operationId: 'getAudienceContact',
      summary: 'Read a contact of an audience',
      tags,
      security,
      request: { params: AudienceContactParams },
      responses: { 200: { description: 'The contact in the audience', ...json(z.object({ data: AudienceContactSchema })) }, ...errors(400, 404) },
    }),
    async (c) => {
      c.set('fieldNames', contactFields);
      const params = c.req.valid('param');
      const row = await requireAudienceContactIn(c.var.scope, audienceIdParam(params.audience_id), contactIdParam(params.contact_id));
      return c.json({ data: presentAudienceContact(apiBase(c.req.url), c.var.account.id, row) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/audiences/{audience_id}/contacts/{contact_id}',
      operationId: 'updateAudienceContact',
      summary: 'Update the details of a contact in an audience (omitted fields are kept, null clears)',
      tags,
      security,
      request: { params: AudienceContactParams, body: { required: true, ...json(z.object({ data: AudienceContactFields.omit({ number: true }) })) } },
      responses: { 200: { description: 'The contact in the audience', ...json(z.object({ data: AudienceContactSchema })) }, ...errors(400, 404, 413, 415, 422) },
    }),
    async (c) => {
      c.set('fieldNames', contactFields);
      const params = c.req.valid('param');
      const audienceId = audienceIdParam(params.audience_id);
      const fields = c.req.valid('json').data;
      // The number is the account contact's, shared by every audience it is in: a PUT cannot change it here, and
      // ignoring it would tell the client nothing. Remove the contact and add the new number instead.
      if (Object.hasOwn(Object(Object(c.var.body).data), 'number')) {
        throw new RestFieldError('REQUEST_INVALID', 'data.number', "data.number cannot be changed: remove the contact from the audience and add the new number");
      }
      const { number: _number, ...details } = audienceContactInput(fields);
      const row = await updateAudienceContact(c.var.scope, contactIdParam(params.contact_id), details, audienceId);
      return c.json({ data: presentAudienceContact(apiBase(c.req.url), c.var.account.id, row) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/audiences/{audience_id}/contacts/{contact_id}',
      operationId: 'removeAudienceContact',
      summary: "Remove a contact from an audience (the account's contact stays)",
      tags,
      security,
      request: { params: AudienceContactParams },
      responses: { 204: { description: 'Removed' }, ...errors(400, 404) },
    }),
    async (c) => {
      c.set('fieldNames', contactFields);
      const params = c.req.valid('param');
      const audienceId = audienceIdParam(params.audience_id);
      await removeAudienceContact(c.var.scope, contactIdParam(params.contact_id), audienceId);
      return c.body(null, 204);
    },
  );
}
