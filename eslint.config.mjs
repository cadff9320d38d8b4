import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O, activities as types only.
    files: ['workflows/**/*.ts', 'policy/**/*.ts'],
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
          ],
        },
      ],
    },
  },
  {
    // The simulator models the bank, not our client: sharing the client's rules would make it agree by construction.
    files: ['simulator/**/*.ts'],
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
          ],
        },
      ],
    },
  },
);
