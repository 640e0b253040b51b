// The breaking-change check (npm run schema:check; test/schemaChanges.test.ts runs it): schema.graphql against the
// schema of the last release, schema/releases/<version in package.json>.graphql, with @graphql-inspector/core.
// Additions pass. A breaking change passes only when CHANGELOG.md's [Unreleased] section names its schema
// coordinate in backticks (`Type.field`, `Type.field.argument`, `Enum.VALUE`) and, when it removes something,
// the release's schema already had it @deprecated: clients got at least one release of warning. A new
// deprecation must be named there too (it starts that period, and says what replaces the field).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Change, CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema, type GraphQLSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';

export interface SchemaCheck {
  /** Every change from the release to now, as @graphql-inspector/core classifies it. */
  changes: Change[];
  /** The changes that fail the check, each with its schema coordinate and why. */
  refused: Array<{ change: Change; coordinate: string; why: string }>;
}

const REMOVALS = new Set(['FIELD_REMOVED', 'ENUM_VALUE_REMOVED', 'FIELD_ARGUMENT_REMOVED', 'INPUT_FIELD_REMOVED']);
const DEPRECATIONS = new Set(['FIELD_DEPRECATION_ADDED', 'ENUM_VALUE_DEPRECATION_REASON_ADDED']);

/** The [Unreleased] section of a Keep a Changelog file: what the next release will say. */
export function unreleasedSection(changelog: string): string {
  const start = changelog.search(/^## \[Unreleased\]/m);
  if (start < 0) throw new Error('CHANGELOG.md has no "## [Unreleased]" section');
  const rest = changelog.slice(start + 1);
  const end = rest.search(/^## \[/m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Whether the release's schema marked this coordinate @deprecated (a field, an argument, an enum value, an input field). */
function wasDeprecated(schema: GraphQLSchema, coordinate: string): boolean {
  const [typeName, member, argument] = coordinate.split('.');
  const type = schema.getType(typeName!);
  if (!type || !member) return false;
  if (isEnumType(type)) return type.getValue(member)?.deprecationReason != null;
  if (isInputObjectType(type)) return type.getFields()[member]?.deprecationReason != null;
  if (isObjectType(type) || isInterfaceType(type)) {
    const field = type.getFields()[member];
    if (!field) return false;
    return argument ? field.args.find((a) => a.name === argument)?.deprecationReason != null : field.deprecationReason != null;
  }
  return false;
}

export async function checkSchemaChanges(released: string, current: string, changelog: string): Promise<SchemaCheck> {
  const before = buildSchema(released);
  const changes = await diff(before, buildSchema(current));
  const unreleased = unreleasedSection(changelog);
  const refused: SchemaCheck['refused'] = [];
  for (const change of changes) {
    // A directive's change is the field's ("Contact.email.@deprecated" is Contact.email's deprecation).
    const coordinate = (change.path ?? '').replace(/\.@\w+$/, '');
    if (DEPRECATIONS.has(change.type) && !unreleased.includes(`\`${coordinate}\``)) {
      refused.push({ change, coordinate, why: `deprecated without a CHANGELOG.md entry: name \`${coordinate}\` under [Unreleased] › Deprecated, with what replaces it` });
    }
    if (change.criticality.level !== CriticalityLevel.Breaking) continue;
    if (!coordinate || !unreleased.includes(`\`${coordinate}\``)) {
      refused.push({ change, coordinate, why: `not in CHANGELOG.md's [Unreleased] section: name \`${coordinate || change.type}\` there, with the deprecation it follows` });
    } else if (REMOVALS.has(change.type) && !wasDeprecated(before, coordinate)) {
      refused.push({ change, coordinate, why: 'removed without a deprecation period: mark it @deprecated(reason:) in one release, remove it in a later one' });
    }
  }
  return { changes, refused };
}

export function lastRelease(root: URL): { version: string; schema: string } {
  const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
  return { version, schema: readFileSync(new URL(`schema/releases/${version}.graphql`, root), 'utf8') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = new URL('../', import.meta.url);
  const release = lastRelease(root);
  const result = await checkSchemaChanges(release.schema, readFileSync(new URL('schema.graphql', root), 'utf8'), readFileSync(new URL('CHANGELOG.md', root), 'utf8'));
  const count = (level: CriticalityLevel) => result.changes.filter((c) => c.criticality.level === level).length;
  console.log(
    `schema.graphql against release ${release.version}: ${count(CriticalityLevel.NonBreaking)} safe, ${count(CriticalityLevel.Dangerous)} dangerous, ${count(CriticalityLevel.Breaking)} breaking`,
  );
  for (const change of result.changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous)) console.log(`  dangerous: ${change.message}`);
  for (const { change, coordinate, why } of result.refused) console.error(`  REFUSED ${change.message} (${coordinate}): ${why}`);
  process.exitCode = result.refused.length === 0 ? 0 : 1;
}
