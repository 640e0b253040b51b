import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { createContactWithAudienceIds, deleteContact, listContactsByPage, requireContactWithAudienceIds } from '../../services/contacts.js';
import type { RestEnv } from '../context.js';
import { ContactsErrorSchema, errorResponses } from '../schemas.js';
import {
  contactIdOf,
  ContactInputSchema,
  ContactListSchema,
  ContactSchema,
  listIdOf,
  presentContact,
  presentContactPage,
  wholeNumberParam,
} from './schemas.js';

/**
 * Seed 003's contacts API: the account's contacts and the lists (audiences) they are in, one service call per
 * endpoint, on the services GraphQL's contact fields use. Errors take seed 003's shape (errorStyleFor picks it
 * for /v1/contacts): `{ error, message, code, field }`, the field spelled as the request spells it.
 */

const tags = ['Contacts'];
const security: Array<Record<string, string[]>> = [{ DexatelKey: [] }, { Bearer: [] }];
const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) => errorResponses(ContactsErrorSchema, statuses);

const ContactParams = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'cnt_fe84f52d-d05e-4af6-b93a-08dc0110f536' }) });

/** How the services' field names read in this API's errors (other fields are their plain snake_case). */
const contactFields = { id: 'id' };

export function registerContactRoutes(app: OpenAPIHono<RestEnv>): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/contacts',
      operationId: 'createContact',
      summary: 'Add a contact to the account, optionally in some lists at once',
      tags,
      security,
      request: { body: { required: true, ...json(ContactInputSchema) } },
      responses: { 201: { description: 'The contact', ...json(ContactSchema) }, ...errors(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      c.set('fieldNames', { audienceIds: 'lists' });
      const body = c.req.valid('json');
      const created = await createContactWithAudienceIds(c.var.scope, {
        phone: body.phone,
        name: body.name,
        email: body.email,
        audienceIds: body.lists?.map((id, index) => listIdOf(id, `lists[${index}]`)),
        strictE164: true,
      });
      return c.json(presentContact(created), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/contacts',
      operationId: 'listContacts',
      summary: 'List the contacts of the account, oldest first, optionally only those in one list',
      tags,
      security,
      request: {
        query: z.object({
          list_id: z.string().optional().openapi({ description: 'Only the contacts in this list', example: 'lst_22089fd7-7b74-4815-8452-3a8e864affbc' }),
          page: z.string().optional().openapi({ description: 'Page number, from 1 (default 1)', example: '1' }),
          per_page: z.string().optional().openapi({ description: 'Items a page, 1 to 100 (default 50)', example: '50' }),
        }),
      },
      responses: { 200: { description: 'A page of contacts, oldest first', ...json(ContactListSchema) }, ...errors(400, 404) },
    }),
    async (c) => {
      // perPage reads as per_page by the snake_case rule.
      c.set('fieldNames', { audienceId: 'list_id' });
      const query = c.req.valid('query');
      const page = await listContactsByPage(c.var.scope, {
        page: wholeNumberParam(query.page),
        perPage: wholeNumberParam(query.per_page),
        audienceId: query.list_id === undefined ? null : listIdOf(query.list_id, 'list_id'),
      });
      return c.json(presentContactPage(page), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/contacts/{id}',
      operationId: 'getContact',
      summary: 'Read a contact, with the lists it is in',
      tags,
      security,
      request: { params: ContactParams },
      responses: { 200: { description: 'The contact', ...json(ContactSchema) }, ...errors(400, 404) },
    }),
    async (c) => {
      c.set('fieldNames', contactFields);
      return c.json(presentContact(await requireContactWithAudienceIds(c.var.scope, contactIdOf(c.req.valid('param').id))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/contacts/{id}',
      operationId: 'deleteContact',
      summary: 'Delete a contact permanently: it leaves every list it was in',
      tags,
      security,
      request: { params: ContactParams },
      responses: { 204: { description: 'Deleted (empty body)' }, ...errors(400, 404) },
    }),
    async (c) => {
      c.set('fieldNames', contactFields);
      await deleteContact(c.var.scope, contactIdOf(c.req.valid('param').id));
      return c.body(null, 204);
    },
  );
}
