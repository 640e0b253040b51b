import { execFileSync } from 'node:child_process';
import { projectRoot } from './run.js';

/**
 * Builds dist/ (npm run build) once before the suite: the tests that start the real server run the compiled
 * build, as `npm start` does, and it must be the build of the sources under test.
 */
export default function buildOnce(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: projectRoot, stdio: 'inherit' });
}
