import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkSchemaChanges, lastRelease } from '../scripts/check-schema-changes.js';
import { projectRoot, runCommand } from './support/run.js';

// The breaking-change check (npm run schema:check): schema.graphql against the last release's schema. It reads
// files only, so it runs the same on both databases.

const root = new URL('../', import.meta.url);
const release = lastRelease(root);
const current = readFileSync(new URL('schema.graphql', root), 'utf8');
const changelog = readFileSync(new URL('CHANGELOG.md', root), 'utf8');

/** The release's schema with `Contact.email` deprecated, as a release before its removal would have it. */
const withEmailDeprecated = (schema: string) => schema.replace(/(\n\s*email: String)\n/, '$1 @deprecated(reason: "Use `Contact.emails`.")\n');
const withoutEmail = (schema: string) => schema.replace(/\n(\s*"""[^"]*"""\s*|\s*"[^"\n]*"\s*)?\n\s*email: String\n/, '\n');
const recording = (entry: string, heading = 'Removed') => changelog.replace('## [Unreleased]\n', `## [Unreleased]\n\n### ${heading}\n\n- ${entry}\n`);

describe('the breaking-change check', () => {
  it('finds schema.graphql compatible with the last release (package.json version) and CHANGELOG.md', async () => {
    expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
    const result = await checkSchemaChanges(release.schema, current, changelog);
    expect(result.refused.map((r) => `${r.change.message}: ${r.why}`)).toEqual([]);
  });

  it('passes additions: a new type, a new field, an optional argument, an enum value, a subscription root', async () => {
    const added = current
      .replace(/\ntype Query \{\n/, '\ntype Query {\n  """New."""\n  campaigns(first: Int): [Campaign!]!\n')
      .replace(/\nenum Channel \{\n/, '\nenum Channel {\n  RCS\n')
      .concat('\n"""New."""\ntype Campaign {\n  """New."""\n  id: ID!\n}\n')
      .concat(current.includes('type Subscription ') ? '' : '\n"""Live."""\ntype Subscription {\n  """New."""\n  campaignSent: Campaign!\n}\n');
    const result = await checkSchemaChanges(release.schema, added, changelog);
    expect(result.changes.map((c) => c.path)).toEqual(expect.arrayContaining(['Query.campaigns', 'Campaign', 'Channel.RCS']));
    expect(result.refused).toEqual([]);
  });

  it('refuses a removal the changelog does not record', async () => {
    const removed = withoutEmail(current);
    expect(removed).not.toBe(current);
    const result = await checkSchemaChanges(release.schema, removed, changelog);
    expect(result.refused.map((r) => [r.coordinate, r.why])).toEqual([['Contact.email', expect.stringContaining("not in CHANGELOG.md's [Unreleased] section")]]);
  });

  it('refuses a recorded removal of a field the release had not deprecated', async () => {
    const result = await checkSchemaChanges(release.schema, withoutEmail(current), recording('`Contact.email`: use `Contact.emails`.'));
    expect(result.refused.map((r) => [r.coordinate, r.why])).toEqual([['Contact.email', expect.stringContaining('without a deprecation period')]]);
  });

  it('passes a recorded removal after a release that deprecated the field', async () => {
    const deprecatedRelease = withEmailDeprecated(release.schema);
    expect(deprecatedRelease).toContain('@deprecated');
    const result = await checkSchemaChanges(deprecatedRelease, withoutEmail(current), recording('`Contact.email`, deprecated since 0.1.0: use `Contact.emails`.'));
    expect(result.changes.map((c) => c.path)).toContain('Contact.email');
    expect(result.refused).toEqual([]);
  });

  it('refuses a new deprecation the changelog does not name, and passes it named', async () => {
    const deprecated = withEmailDeprecated(current);
    const unnamed = await checkSchemaChanges(release.schema, deprecated, changelog);
    expect(unnamed.refused.map((r) => [r.coordinate, r.why])).toEqual([['Contact.email', expect.stringContaining('deprecated without a CHANGELOG.md entry')]]);
    const named = await checkSchemaChanges(release.schema, deprecated, recording('`Contact.email`: use `Contact.emails`.', 'Deprecated'));
    expect(named.refused).toEqual([]);
  });

  it('refuses a field whose type changes, unless recorded', async () => {
    const narrowed = current.replace(/(\ntype ImportAudienceContactsPayload \{[\s\S]*?importedCount: )Int!/, '$1String!');
    expect(narrowed).not.toBe(current);
    const refused = await checkSchemaChanges(release.schema, narrowed, changelog);
    expect(refused.refused.map((r) => r.coordinate)).toEqual(['ImportAudienceContactsPayload.importedCount']);
    const recorded = await checkSchemaChanges(release.schema, narrowed, recording('`ImportAudienceContactsPayload.importedCount` is a String.', 'Changed'));
    expect(recorded.refused).toEqual([]);
  });

  it('runs as npm run schema:check does, exiting 0', async () => {
    const result = await runCommand(`${projectRoot}node_modules/.bin/tsx`, ['scripts/check-schema-changes.ts'], process.env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^schema.graphql against release ${release.version.replaceAll('.', '\\.')}: \\d+ safe, \\d+ dangerous, \\d+ breaking`));
    expect(result.code).toBe(0);
  });
});
