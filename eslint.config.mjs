import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers (docs/architecture.md): product code → local harness (harness/) → entry scripts (scripts/), tests and
// the benchmark. Imports point one way only: down this list, never up it.
const PRODUCT = [
  'activities',
  'bank131',
  'client',
  'codec',
  'config',
  'observability',
  'policy',
  'temporal',
  'webhook-gateway',
  'workers',
  'workflows',
];
const SIMULATOR = 'simulator';
const filesIn = (...folders) => folders.map((f) => `${f}/**/*.ts`);
const importOf = (folders, message) => ({
  regex: `^(\\.\\./)+(${folders.join('|')})(/.*)?$`,
  message,
});
const NOT_HARNESS = importOf(
  ['harness', 'scripts', 'test', 'bench'],
  'Product code must not depend on the local harness, entry scripts, tests or the benchmark.',
);
const NOT_SIMULATOR = importOf(
  [SIMULATOR],
  'Only the local harness (and tests) may start the simulator: the service talks to the bank over HTTP.',
);

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', '.tools/', '.data/', '.cache/', 'test-results/', 'eslint.config.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Product code other than the sandboxed workflow code (its block below adds these same rules).
    files: filesIn(...PRODUCT.filter((f) => f !== 'workflows' && f !== 'policy')),
    rules: { 'no-restricted-imports': ['error', { patterns: [NOT_HARNESS, NOT_SIMULATOR] }] },
  },
  {
    // The harness wires product code together for one machine; the scripts, tests and benchmark use it.
    files: filesIn('harness'),
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [importOf(['scripts', 'test', 'bench'], 'The harness must not depend on its callers.')] },
      ],
    },
  },
  {
    files: filesIn('scripts'),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [importOf(['test', 'bench'], 'Entry scripts must not depend on tests or the benchmark.')],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O, activities as types only.
    files: filesIn('workflows', 'policy'),
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process'],
              message: 'Workflow code must stay deterministic: no Node built-ins.',
            },
            {
              group: [
                'undici',
                'express',
                'pino',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
              ],
              message: 'Workflow code must not do I/O.',
            },
            {
              regex: '^\\.\\./activities(/index)?$',
              allowTypeImports: true,
              message:
                'Import activity implementations as types only (proxyActivities); shared constants live in activities/types.',
            },
            NOT_HARNESS,
            NOT_SIMULATOR,
          ],
        },
      ],
    },
  },
  {
    // The simulator models the bank, not our client: sharing the client's rules would make it agree by construction.
    files: filesIn(SIMULATOR),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./bank131(?!/signature$)(/.*)?$',
              message:
                'The simulator may share only the signing primitives (../bank131/signature) with the client.',
            },
            {
              regex: '^\\.\\./(activities|workflows|policy|webhook-gateway|client)(/.*)?$',
              message: 'The simulator must not depend on the service it is testing.',
            },
            NOT_HARNESS,
          ],
        },
      ],
    },
  },
);
