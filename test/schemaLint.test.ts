import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './support/run.js';

// `npm run lint:schema`: @graphql-eslint's schema rules (eslint.config.mjs) over schema.graphql. The schema depends
// on no database, so this runs the same on both.

const eslint = new ESLint({ cwd: projectRoot });
const schemaFile = path.join(projectRoot, 'schema.graphql');

async function lint(text?: string) {
  const [result] = text === undefined ? await eslint.lintFiles([schemaFile]) : await eslint.lintText(text, { filePath: schemaFile });
  return result!.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`);
}

const withoutPosition = (message: string) => message.replace(/^\d+:\d+ /, '');

describe('schema lint', () => {
  it('finds nothing in schema.graphql', async () => {
    expect(await lint()).toEqual([]);
  });

  it('reports a field without a description, and a connection edge that breaks the Relay spec', async () => {
    const schema = readFileSync(schemaFile, 'utf8');
    const undescribed = schema.replace(/("""\s*[^"]*When the account was created\.\s*"""|"When the account was created\.")\s*\n\s*createdAt: DateTime!/, 'createdAt: DateTime!');
    expect(undescribed).not.toBe(schema);
    // An edge type whose node is a list: not the node the Relay connection spec requires.
    const badEdge = schema.replace(/(type AudienceEdge \{[\s\S]*?node: )Audience!/, '$1[Audience!]!');
    expect(badEdge).not.toBe(schema);
    // What each edit adds to what the schema as it is gets (nothing, once the first test passes); lines shift.
    const baseline = new Set((await lint()).map(withoutPosition));
    const added = async (text: string) => (await lint(text)).filter((message) => !baseline.has(withoutPosition(message)));
    expect(await added(undescribed)).toEqual([expect.stringMatching(/@graphql-eslint\/require-description: Description is required for field "createdAt" in type "Account"/)]);
    expect((await added(badEdge)).join('\n')).toMatch(/@graphql-eslint\/relay-edge-types/);
  });
});
