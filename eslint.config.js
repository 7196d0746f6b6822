// Lint rules the team keeps. Import fences (see ../shared/STYLE.md) keep the dependency directions:
// the scheduler core is pure, protos import no project code, the executor never imports the scheduler,
// and the embedded cluster never imports the scheduler or executor (it is an independent wire implementation).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const fence = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist*/**', 'node_modules/**', 'scheduler/web/static/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Tests poke at wire-shaped objects and fakes; `any` there is deliberate.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  fence(
    ['scheduler/core/**/*.ts'],
    [
      {
        group: ['**/mesos/**', '**/protos/**', '**/runtime/**', '**/api/**', '**/store/**'],
        message: 'the core is pure',
      },
      { group: ['node:*', 'fs', 'http', 'winston', 'protobufjs'], message: 'the core does no I/O' },
      { group: ['**/config/logger*'], message: 'the core does not log' },
    ],
  ),
  fence(
    ['protos/**/*.ts'],
    [
      {
        group: ['**/scheduler/**', '**/executor/**', '**/cluster/**', '**/cli/**'],
        message: 'protos import no project code',
      },
    ],
  ),
  fence(
    ['executor/**/*.ts'],
    [{ group: ['**/scheduler/**', '**/cluster/**'], message: 'the executor never imports the scheduler' }],
  ),
  fence(
    ['cluster/**/*.ts'],
    [
      {
        group: ['**/scheduler/**', '**/executor/**'],
        message: 'the embedded cluster is an independent implementation',
      },
    ],
  ),
);
