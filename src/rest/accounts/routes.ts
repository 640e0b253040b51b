import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { appError } from '../../domain/errors.js';
import type { RestEnv } from '../context.js';
import { dexatelDate } from '../present.js';
import { apiKeySecurity, DexatelErrorSchema, errorResponses } from '../schemas.js';

/**
 * The account a key belongs to, the target of every object's `links.account`: an account sees itself only,
 * so any other id (or a malformed one) answers like an unknown one.
 */
const AccountSchema = z
  .object({
    id: z.string().openapi({ description: 'Unique identifier of the account', example: 'd2fb1621-f65b-41da-966e-ddd2db3ff75a' }),
    name: z.string().openapi({ example: 'Acme' }),
    create_date: z.string().openapi({ description: 'Creation date of the account, UTC, yyyy-MM-dd HH:mm:ss', example: '2026-11-29 10:15:00' }),
  })
  .openapi('Account');

export function registerAccountRoutes(app: OpenAPIHono<RestEnv>): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/accounts/{account_id}',
      operationId: 'getAccount',
      summary: 'Read the account of the API key',
      tags: ['Accounts'],
      security: apiKeySecurity,
      request: { params: z.object({ account_id: z.string().openapi({ param: { name: 'account_id', in: 'path' }, example: 'd2fb1621-f65b-41da-966e-ddd2db3ff75a' }) }) },
      responses: {
        200: { description: 'The account', content: { 'application/json': { schema: z.object({ data: AccountSchema }) } } },
        ...errorResponses(DexatelErrorSchema, [404]),
      },
    }),
    async (c) => {
      c.set('fieldNames', { id: 'account_id' });
      const { account } = c.var;
      if (c.req.valid('param').account_id !== account.id) throw appError('ACCOUNT_NOT_FOUND', 'id');
      return c.json({ data: { id: account.id, name: account.name, create_date: dexatelDate(account.createdAt) } }, 200);
    },
  );
}
