// `npm run build` (and so every `npm start`): compiles src/ with esbuild into an immutable directory named after its
// inputs, then points `dist` at it by renaming a symlink over the old one.
//
// Why not esbuild straight into dist/: several processes started from one checkout at the same moment (a fleet, a
// supervisor restarting three at once) each rebuilt dist/ in place, and one of them loaded a module another was
// halfway through writing and crashed ("does not provide an export named ..."). Here a build is written to a
// directory of its own and renamed into place whole (rename(2) of a directory is atomic), and `dist` is swapped with
// rename(2) of a symlink, also atomic: a process sees the old build or the new one, never part of one. A process
// keeps running from the directory it started in (Node loads modules by their real path), so a rebuild for a newer
// process does not change the files an older one still imports lazily (the REST front loads on its first request).
// Identical inputs give the same directory, so a start with nothing changed skips esbuild (about 0.8 s of CPU).
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion } from 'esbuild';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const sourceDir = path.join(root, 'src');
// Builds sit beside src/ (`.build-<hash>`), at dist's depth: the code finds files by their place relative to its own
// (src/db/migrations.ts: prisma/migrations is two levels up from db/migrations.js).
const BUILD_PREFIX = '.build-';
const distLink = path.join(root, 'dist');
/** Builds kept besides the current one, for processes still running from them (they import modules lazily). */
const KEPT_BUILDS = 5;
/** A temporary directory this old belongs to a build that died; younger ones may be another build under way. */
const STALE_TEMP_MS = 10 * 60_000;

const options = {
  outbase: sourceDir,
  format: 'esm',
  platform: 'node',
  target: 'node22.12',
  sourcemap: true,
  logLevel: 'warning',
};

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return entry.isFile() && entry.name.endsWith('.ts') ? [full] : [];
    })
    .sort();
}

const files = sourceFiles(sourceDir);
const hash = createHash('sha256');
hash.update(JSON.stringify({ esbuildVersion, options }));
for (const file of files) {
  hash.update(path.relative(root, file));
  hash.update('\0');
  hash.update(readFileSync(file));
  hash.update('\0');
}
const name = hash.digest('hex').slice(0, 16);
const target = path.join(root, BUILD_PREFIX + name);

if (!exists(target)) {
  const temp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await build({ ...options, entryPoints: files, outdir: temp });
  try {
    renameSync(temp, target);
  } catch (error) {
    // Another process finished the same build first: its copy is as good as ours.
    if (!['ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error;
    rmSync(temp, { recursive: true, force: true });
  }
}

pointDistAt(name);
collectOldBuilds(name);

function exists(file) {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function pointDistAt(buildName) {
  const link = `${distLink}.tmp-${process.pid}-${Date.now()}`;
  symlinkSync(BUILD_PREFIX + buildName, link);
  let current;
  try {
    current = lstatSync(distLink);
  } catch {
    current = null;
  }
  // A dist/ directory from before builds were kept apart: moved aside once (not atomic; only the first start
  // after upgrading does it).
  if (current && !current.isSymbolicLink()) {
    try {
      renameSync(distLink, path.join(root, `${BUILD_PREFIX}legacy-${process.pid}-${Date.now()}`));
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
  }
  renameSync(link, distLink);
}

function collectOldBuilds(current) {
  const now = Date.now();
  let linked = current;
  try {
    linked = path.basename(readlinkSync(distLink)).slice(BUILD_PREFIX.length);
  } catch {
    // dist is not ours to read: keep everything the rules below would keep.
  }
  const entries = readdirSync(root)
    .filter((file) => file.startsWith(BUILD_PREFIX))
    .map((file) => {
      const full = path.join(root, file);
      let mtimeMs = now;
      try {
        mtimeMs = statSync(full).mtimeMs;
      } catch {
        // Gone meanwhile (another build collected it).
      }
      return { entry: file.slice(BUILD_PREFIX.length), full, mtimeMs };
    });
  const finished = entries
    .filter(({ entry }) => !entry.includes('.tmp-') && entry !== current && entry !== linked)
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { full } of finished.slice(KEPT_BUILDS)) rmSync(full, { recursive: true, force: true });
  for (const { entry, full, mtimeMs } of entries) {
    if (entry.includes('.tmp-') && now - mtimeMs > STALE_TEMP_MS) rmSync(full, { recursive: true, force: true });
  }
}
