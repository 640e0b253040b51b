import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.js';

let app: TestApp;
let key: string;
beforeAll(async () => {
  app = await startTestApp();
  key = (await app.createAccount('Auditor')).key;
});
afterAll(() => app?.close());

/** Every audit request carries a valid key, as a real client's would. */
const withKey: typeof fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('x-dexatel-key', key);
  return fetch(input, { ...init, headers });
};

// The audits are listed before the server starts (they only close over the URL getter), so each is its own test.
const audits = serverAudits({ url: () => `${app.url}/graphql`, fetchFn: withKey });

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  it('covers the MUST, SHOULD and MAY requirements', () => {
    const levels = new Set(audits.map((audit) => audit.name.split(' ')[0]));
    expect([...levels].sort()).toEqual(['MAY', 'MUST', 'SHOULD']);
    expect(audits.filter((audit) => audit.name.startsWith('MUST')).length).toBe(13);
  });

  for (const audit of audits) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
    });
  }
});
