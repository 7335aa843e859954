// Lint, including the architecture's boundaries: a boundary that is only written down gets crossed.
import js from '@eslint/js';
import globals from 'globals';
import { builtinModules } from 'node:module';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const noNodeBuiltins = {
  paths: nodeBuiltins.map((name) => ({ name, message: 'shared/ and renderer/ run in the browser too: no Node built-ins here.' })),
  patterns: [{ group: ['node:*'], message: 'shared/ and renderer/ run in the browser too: no Node built-ins here.' }],
};

const noElectron = { name: 'electron', message: 'The engine (electron/core) never imports electron: it must run headless under Node.' };
const noShell = { group: ['electron/*', '**/electron/main/**', '**/electron/preload/**'], message: 'The engine never depends on the Electron shell.' };
const noSqliteDriver = { name: 'better-sqlite3', message: 'Only the archive store (electron/core/archive/) opens the database; use its ArchiveStore.' };
const noPostgresDriver = { name: 'pg', message: 'Only the PostgreSQL store (electron/core/archive/postgres/) talks to PostgreSQL; use its ArchiveStore.' };
const noStoreInternals = [
  { group: ['**/archive/sqlite/*', '!**/archive/sqlite/sqlite-store.js'], message: 'Go through the ArchiveStore (archive/store.ts); of the SQLite store only SqliteStore itself is public.' },
  { group: ['**/archive/sqlite/*/**'], message: 'Go through the ArchiveStore (archive/store.ts): SQLite internals stay inside the store.' },
  { group: ['**/archive/postgres/*', '!**/archive/postgres/postgres-store.js'], message: 'Go through the ArchiveStore (archive/store.ts); of the PostgreSQL store only PostgresStore itself is public.' },
  { group: ['**/archive/postgres/*/**'], message: 'Go through the ArchiveStore (archive/store.ts): PostgreSQL internals stay inside the store.' },
  { group: ['**/archive/rows/**'], message: 'Go through the ArchiveStore (archive/store.ts): row types and mappers are the stores\' own.' },
];
const SQL_START = '/^\\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WITH)\\s/';
const noSql = [
  { selector: `Literal[value=${SQL_START}]`, message: 'SQL belongs in the archive store (electron/core/archive/).' },
  { selector: `TemplateElement[value.raw=${SQL_START}]`, message: 'SQL belongs in the archive store (electron/core/archive/).' },
  { selector: 'CallExpression[callee.property.name=/^(prepare|pragma)$/]', message: 'Queries run inside the archive store (electron/core/archive/), never here.' },
];

export default tseslint.config(
  { ignores: ['.tmp/**', 'dist/**', 'dist-*/**', 'release/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The engine runs under plain Node (serve, tests) as well as in Electron's main process.
    files: ['electron/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [noShell] }] },
  },
  {
    // The archive store owns all SQL: nothing else in the app holds a database handle or writes a query.
    files: ['electron/**/*.{ts,cts}'],
    ignores: ['electron/core/archive/**'],
    rules: { 'no-restricted-syntax': ['error', ...noSql] },
  },
  {
    files: ['electron/core/**/*.ts'],
    ignores: ['electron/core/archive/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, noSqliteDriver, noPostgresDriver], patterns: [noShell, ...noStoreInternals] }] },
  },
  {
    // Inside the archive, pg stays in the PostgreSQL store, and neither store reaches into the other.
    files: ['electron/core/archive/**/*.ts'],
    ignores: ['electron/core/archive/postgres/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, noPostgresDriver],
          patterns: [
            noShell,
            { group: ['**/postgres/*', '!**/postgres/postgres-store.js'], message: 'Of the PostgreSQL store only PostgresStore is public.' },
            { group: ['**/postgres/*/**'], message: 'PostgreSQL internals stay inside the PostgreSQL store.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/core/archive/postgres/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron, noSqliteDriver], patterns: [noShell, { group: ['**/sqlite/**'], message: 'The PostgreSQL store shares no code with SQLite internals (shared helpers live in archive/).' }] },
      ],
    },
  },
  {
    // Row types and mappers serve both stores, so they import neither store nor a driver.
    files: ['electron/core/archive/rows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, noSqliteDriver, noPostgresDriver],
          patterns: [noShell, { group: ['**/sqlite/**', '**/postgres/**'], message: 'archive/rows/ serves both stores: it imports neither.' }],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.cts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noSqliteDriver, noPostgresDriver], patterns: noStoreInternals }] },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    // The classic rules; the React Compiler rules in `recommended` assume the compiler, which this build does not use.
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['shared/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', noNodeBuiltins],
      'no-restricted-globals': ['error', { name: 'process', message: 'No Node globals in shared/ or renderer/.' }, { name: 'Buffer', message: 'No Node globals in shared/ or renderer/.' }, { name: 'require', message: 'No Node globals in shared/ or renderer/.' }],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts', 'bin/**', 'build/**', '*.config.*'],
    rules: { 'no-console': 'off' },
  },
);
