import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDependencies } from '../scripts/check-dependencies.js';
import { projectRoot } from './support/run.js';

// npm run deps:check: no package is declared in package.json without being imported, run, or justified.
// It reads files only, so it runs the same on both databases.

/** A scratch project to check: `write` puts a file in it; removed after `check` returns. */
function withScratchProject(prefix: string, check: (root: string, write: (file: string, text: string) => void) => void): void {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    check(root, (file, text) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('declared dependencies', () => {
  it('are each imported, run as a command, or justified', () => {
    const report = checkDependencies(projectRoot);
    expect(report.declared).not.toContain('@pothos/plugin-prisma');
    expect({ unused: report.unused, staleJustifications: report.staleJustifications }).toEqual({ unused: [], staleJustifications: [] });
  });

  it('finds a declared package nothing uses, and tells imports, subpaths, types and commands from it', () => {
    withScratchProject('cg-deps-', (root, write) => {
      write(
        'package.json',
        JSON.stringify({
          scripts: { gen: 'gen-tool --out x' },
          dependencies: { imported: '1.0.0', '@scope/sub': '1.0.0', forgotten: '1.0.0' },
          devDependencies: { '@types/imported': '1.0.0', 'gen-tool': '1.0.0', 'spawned-tool': '1.0.0', '@types/forgotten': '1.0.0' },
        }),
      );
      write('node_modules/gen-tool/package.json', JSON.stringify({ bin: { 'gen-tool': 'cli.js' } }));
      write('node_modules/spawned-tool/package.json', JSON.stringify({ bin: 'cli.js' }));
      write('src/a.ts', "import { x } from 'imported';\nconst y = await import('@scope/sub/deep/path.js');\n");
      write('test/b.test.ts', "spawn(path.join(root, 'node_modules/.bin/spawned-tool'), []);\n");
      expect(checkDependencies(root, { 'gen-tool': 'run by an npm script', never: 'declared nowhere' })).toEqual({
        declared: ['@scope/sub', '@types/forgotten', '@types/imported', 'forgotten', 'gen-tool', 'imported', 'spawned-tool'],
        unused: ['@types/forgotten', 'forgotten'],
        staleJustifications: ['gen-tool', 'never'],
      });
    });
  });

  it("in a git checkout, reads the project's files: what git ignores (a scratch directory) is no use of a package", () => {
    withScratchProject('cg-deps-git-', (root, write) => {
      write('package.json', JSON.stringify({ dependencies: { imported: '1.0.0', 'scratch-only': '1.0.0' } }));
      write('.gitignore', 'scratch/\n');
      write('src/a.ts', "import { x } from 'imported';\n");
      write('scratch/try.ts', "import { y } from 'scratch-only';\n");
      execFileSync('git', ['init', '-q'], { cwd: root });
      // Untracked but not ignored counts (a new file not yet added); ignored does not.
      expect(checkDependencies(root, {}).unused).toEqual(['scratch-only']);
      rmSync(path.join(root, '.gitignore'));
      expect(checkDependencies(root, {}).unused).toEqual([]);
    });
  });
});
