// Declared but unused packages (npm run deps:check; test/dependencies.test.ts runs it): every dependency and
// devDependency in package.json must be imported by the project's code, run through its command (a bin named in
// an npm script, a test or a CI script), or be listed below with the reason it stays. The review found
// @pothos/plugin-prisma declared with nothing importing it; this keeps the next one from going unnoticed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Packages nothing imports or runs by name, and why each stays. (`node`, the runtime, needs no entry: its bin is
 * the `node` every npm script runs.)
 */
export const justified: Record<string, string> = {
  '@graphql-codegen/client-preset': "codegen.ts loads it by name (preset: 'client')",
};

const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;
const SCRIPT = /\.(?:sh|ya?ml)$|^run$/;
const SKIP = new Set(['node_modules', '.git', 'dist', 'data', 'coverage', 'postgraphile']);

function walk(dir: string, files: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (SKIP.has(entry) || entry.startsWith('dist.tmp-') || entry.startsWith('.build')) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, files);
    else if (SOURCE.test(entry) || SCRIPT.test(entry)) files.push(full);
  }
  return files;
}

/**
 * The project's files: what git tracks or would (its ignore rules and .git/info/exclude honoured), so a
 * developer's scratch directory neither counts as a use nor, changing while it is read, fails the check (a
 * benchmark build being replaced did, with ENOENT); outside a git checkout, every file under the root.
 */
function projectFiles(root: string): string[] {
  // The Prisma client generated from the tracked schema (git ignores it) is the project's code too.
  const generated = path.join(root, 'src/db/generated');
  const generatedFiles = existsSync(generated) ? walk(generated) : [];
  let listed: string;
  try {
    listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return walk(root);
  }
  return listed
    .split('\0')
    .filter((file) => file && !file.split('/').some((part) => SKIP.has(part)))
    .filter((file) => SOURCE.test(path.basename(file)) || SCRIPT.test(path.basename(file)))
    .map((file) => path.join(root, file))
    .concat(generatedFiles);
}

/** The package a module specifier names: `@scope/name` or `name`, without a subpath. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function binsOf(root: string, name: string): string[] {
  const manifest = path.join(root, 'node_modules', name, 'package.json');
  if (!existsSync(manifest)) return [];
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
  if (!bin) return [];
  return typeof bin === 'string' ? [name.split('/').at(-1)!] : Object.keys(bin);
}

export interface DependencyReport {
  declared: string[];
  /** Declared, never imported or run, and not justified. */
  unused: string[];
  /** Justified, yet used or not declared at all: the entry should go. */
  staleJustifications: string[];
}

export function checkDependencies(root: string, justifications: Record<string, string> = justified): DependencyReport {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    scripts?: Record<string, string>;
  };
  const declared = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})].sort();
  const files = [...projectFiles(root), path.join(root, '.ci/run')].filter((file) => existsSync(file));
  const texts = files.map((file) => readFileSync(file, 'utf8'));

  const imported = new Set<string>();
  const specifiers = /(?:\bfrom|\bimport|\brequire|\bresolve)\s*\(?\s*['"]([^'"./][^'"]*)['"]/g;
  const tripleSlash = /\/\/\/\s*<reference\s+types=['"]([^'"]+)['"]/g;
  for (const text of texts) {
    for (const match of text.matchAll(specifiers)) if (!match[1]!.startsWith('node:')) imported.add(packageOf(match[1]!));
    for (const match of text.matchAll(tripleSlash)) imported.add(`@types/${match[1]}`);
  }
  // A bin runs where an npm script names it, or where code or a CI script runs it from node_modules/.bin or npx.
  const commands = [...Object.values(manifest.scripts ?? {}), ...texts].join('\n');
  const runs = (bin: string) =>
    new RegExp(`(?:^|[\\s"'\`;&|(])${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s"'\`;&|)]|$)`, 'm').test(Object.values(manifest.scripts ?? {}).join('\n')) ||
    commands.includes(`.bin/${bin}`) ||
    commands.includes(`npx ${bin}`);

  const used = (name: string): boolean => {
    if (imported.has(name)) return true;
    if (binsOf(root, name).some(runs)) return true;
    // Types of a used package (or of Node itself, which tsconfig's "types" names).
    if (name.startsWith('@types/')) {
      const typed = name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2');
      return typed === 'node' || used(typed);
    }
    return false;
  };

  return {
    declared,
    unused: declared.filter((name) => !used(name) && !(name in justifications)),
    staleJustifications: Object.keys(justifications).filter((name) => !declared.includes(name) || used(name)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = checkDependencies(fileURLToPath(new URL('..', import.meta.url)));
  console.log(`${report.declared.length} packages declared, ${report.unused.length} unused, ${Object.keys(justified).length} justified without an import`);
  for (const name of report.unused) console.error(`  unused: ${name} (remove it, or justify it in scripts/check-dependencies.ts)`);
  for (const name of report.staleJustifications) console.error(`  stale justification: ${name} (it is used, or no longer declared)`);
  process.exitCode = report.unused.length + report.staleJustifications.length === 0 ? 0 : 1;
}
