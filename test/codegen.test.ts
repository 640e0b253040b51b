import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codegenConfig } from '../codegen.js';
import { examplesDir } from './support/examples.js';
import { projectRoot, runCommand } from './support/run.js';

const generatedConfig = codegenConfig.generates['examples/generated/'];

/** Runs GraphQL Code Generator with the project's config, writing into `outputDir`. */
function generateInto(outputDir: string, documents: string[] = codegenConfig.documents) {
  return generate({ ...codegenConfig, documents, cwd: projectRoot, silent: true, generates: { [`${outputDir}/`]: generatedConfig } }, true);
}

/** tsc in strict mode over the generated code and the example frontend that uses it. */
function typeCheck(dir: string) {
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        skipLibCheck: true,
        noEmit: true,
      },
      include: ['*.ts', 'generated/*.ts'],
    }),
  );
  return runCommand(path.join(projectRoot, 'node_modules/.bin/tsc'), ['-p', dir], process.env);
}

describe('GraphQL Code Generator on schema.graphql and examples/', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cg-codegen-'));
    // The example frontend imports @apollo/client: resolve packages from the project.
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    cpSync(path.join(examplesDir, 'frontend.ts'), path.join(dir, 'frontend.ts'));
    await generateInto(path.join(dir, 'generated'));
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('generates typed documents for every example operation', () => {
    const generated = readFileSync(path.join(dir, 'generated/graphql.ts'), 'utf8');
    for (const name of ['ViewerQuery', 'AudiencesQuery', 'AudienceContactsQuery', 'UpdateAudienceContactMutation', 'CreateContactMutation', 'ImportAudienceContactsMutation', 'AudienceContactsChangedSubscription']) {
      expect(generated).toContain(`export type ${name} =`);
    }
    expect(generated).toMatch(/export const AudienceContactsDocument = .* as unknown as DocumentNode<AudienceContactsQuery, AudienceContactsQueryVariables>;/);
    expect(generated).toContain("export type Channel =\n  | 'SMS'");
    expect(generated).toMatch(/export const AudienceContactsChangedDocument = .* as unknown as DocumentNode<AudienceContactsChangedSubscription, AudienceContactsChangedSubscriptionVariables>;/);
    expect(generated).toMatch(/export type AudienceContactChangeKind =[^;]*'ADDED'[^;]*'BATCH'/);
  });

  it('type-checks the generated code and the example frontend with tsc --strict', async () => {
    const result = await typeCheck(dir);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('catches a frontend that reads a field the operation does not select', async () => {
    const wrong = mkdtempSync(path.join(tmpdir(), 'cg-codegen-wrong-'));
    try {
      symlinkSync(path.join(projectRoot, 'node_modules'), path.join(wrong, 'node_modules'), 'dir');
      cpSync(path.join(dir, 'generated'), path.join(wrong, 'generated'), { recursive: true });
      writeFileSync(
        path.join(wrong, 'frontend.ts'),
        readFileSync(path.join(examplesDir, 'frontend.ts'), 'utf8').replace('edge.node.number', 'edge.node.email'),
      );
      const result = await typeCheck(wrong);
      expect(result.code).not.toBe(0);
      expect(result.stdout).toMatch(/Property 'email' does not exist/);
    } finally {
      rmSync(wrong, { recursive: true, force: true });
    }
  });

  it('rejects an operation that does not match the schema', async () => {
    const broken = mkdtempSync(path.join(tmpdir(), 'cg-codegen-broken-'));
    try {
      writeFileSync(path.join(broken, 'broken.graphql'), 'query Broken { viewer { id nickname } }');
      await expect(generateInto(path.join(broken, 'generated'), [path.join(broken, 'broken.graphql')])).rejects.toThrow(/nickname/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
