/**
 * Memory settings the server process starts with, whoever starts it (`npm start`, `node dist/main.js`, the
 * cluster's primary and workers, the benchmark). V8's and glibc's defaults suit a machine with one big
 * process; this server measured 430-450 MB RSS at its peak under the benchmark's load and 10,000-row imports
 * (issue 13's target: 300 MB), and these settings are most of the difference:
 *
 * - `--max-semi-space-size=16`: V8 grew the young generation to 64 MB a semi-space under the benchmark's reads
 *   (128 MB of new space committed, all of it resident); capped, it stays at 32 MB. 8 MB would save another 16 MB
 *   but made 10,000-row imports about a third slower (2,300-3,000 rows/s against 3,500-4,300), 16 did not.
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates (libuv's pool, V8's compiler and GC helpers)
 *   an arena of its own, up to eight per core, and returns little of them: the memory outside V8's heap grew to
 *   116 MB under that load, 70 MB with two arenas.
 * Together, same build, same load, one after the other: 381 MB highest during the reads and 415 MB peak with five
 * 10,000-row imports, against 284 and 300 MB; req/s and import rows/s within the machine's noise.
 * - `--max-old-space-size=1536`: not for the limit itself (the live heap is about 100 MB) but for how V8 grows
 *   the old generation. After each full collection it lets the heap grow to the live size times a factor of up
 *   to 4 when the limit is 2 GB or more (on 64-bit; the default limit on this 24 GB machine is 4 GB), and of
 *   1.3-2 scaled by the limit below that (1.8 at 1,536 MB). The reads' short-lived data had the heap grow to
 *   that fourfold. Measured on the benchmark's data, one server, (a), writes, node(id), a first page and five
 *   10,000-row imports, one after the other: peak 350 / 369 / 386 MB without it, 259 MB with 1,536 (263 / 269 at
 *   1,024, 275 at 2,000). The price is more collections: (a)'s CPU per request 14.2-16.0 ms against 12.4-14.6
 *   (about a tenth more, inside the spread of repeated runs); writes, node(id) and pages within the noise.
 *
 * Both must be in place when the process starts: V8 sizes its heap once, glibc reads the variable before the
 * first allocation. So a process started without them replaces itself (execve: the same pid, so signals,
 * supervisors and anyone reading /proc/<pid> still see the server) with one that has them, before it loads
 * anything else. Flags given explicitly (on the command line or in NODE_OPTIONS) win: the process is left as
 * it was started, and so is every process on a Node without process.execve (before 22.15) or on Windows.
 */
export const memoryFlags = ['--max-semi-space-size=16', '--max-old-space-size=1536'];
export const mallocArenaMax = '2';

/** Set in the relaunched process, so it does not relaunch again. */
const RELAUNCHED = 'CONTACT_GATEWAY_RUNTIME_SETTINGS';

export function relaunchWithMemorySettings(): void {
  if (process.env[RELAUNCHED] || typeof process.execve !== 'function' || process.platform === 'win32') return;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((flag) => /^--max-(semi|old)-space-size/.test(flag.replace(/_/g, '-')))) return;
  process.execve(process.execPath, [process.execPath, ...memoryFlags, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? mallocArenaMax,
    [RELAUNCHED]: '1',
  });
}
