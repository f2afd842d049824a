import js from '@eslint/js';
import { basename } from 'node:path';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Boundaries (STYLE.md 10): an app never imports another app; libs never import apps;
// the pure domain imports only contracts; contracts import nothing of Vigil's.
const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:adapter', 'type:infra', 'type:domain', 'type:contracts'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:adapter', 'type:infra', 'type:domain', 'type:contracts'] },
  { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:contracts', 'type:infra'] },
  // The shared test helpers stand below everything: each lib's own helpers are its `testing` entry.
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:alarm-ingestion', onlyDependOnLibsWithTags: ['scope:shared', 'scope:alarm-ingestion'] },
  { sourceTag: 'scope:sla-calculator', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sla-calculator'] },
  { sourceTag: 'scope:escalation', onlyDependOnLibsWithTags: ['scope:shared', 'scope:escalation'] },
  { sourceTag: 'scope:notifier', onlyDependOnLibsWithTags: ['scope:shared', 'scope:notifier'] },
  { sourceTag: 'scope:reporting-api', onlyDependOnLibsWithTags: ['scope:shared', 'scope:reporting-api'] },
];

// Tests and test kits may also use the shared test helpers and each lib's `testing` entry;
// production code may not (no-restricted-imports below).
const testDepConstraints = depConstraints.map((c) =>
  c.onlyDependOnLibsWithTags && c.sourceTag.startsWith('type:') ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] } : c,
);

/** Tests, and the kits and harnesses only tests use: they are linted as tests. */
const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.faults-spec.ts', '**/testing/**/*.ts', 'apps/*/test/**/*.ts', 'apps/vigil-e2e/**/*.ts', 'libs/testing/**/*.ts'];

// STYLE.md 8: kebab-case, with at most one role suffix from this list (one word per role:
// `rules`, never `rule`), and for tests the tier last (`x.handler.spec.ts` is not needed:
// `x.spec.ts` beside `x.handler.ts`; a qualifier such as `record-alarms.faults.int-spec.ts` may stand before it).
const fileRoles = [
  'algebra', 'backoff', 'calendar', 'client', 'command', 'config', 'consumer', 'controller', 'decider', 'dto', 'errors',
  'filter', 'fixture', 'guard', 'handler', 'interceptor', 'mapper', 'matcher', 'middleware', 'migration', 'module',
  'options', 'projection', 'publisher', 'query', 'reader', 'repository', 'request', 'retention', 'rules', 'scenario', 'service',
  'sli', 'sql', 'store', 'timer', 'upcasters', 'view',
];
const kebab = '[a-z0-9]+(?:-[a-z0-9]+)*';
const sourceName = new RegExp(`^${kebab}(?:\\.(?:${fileRoles.join('|')}|v[0-9]+))?\\.ts$`);
const testName = new RegExp(`^${kebab}(?:\\.${kebab})?\\.(?:spec|int-spec|e2e-spec|faults-spec)\\.ts$`);
const vigil = {
  rules: {
    'file-name': {
      meta: { type: 'suggestion', schema: [], messages: { name: 'file name {{name}}: kebab-case with one role suffix of eslint.config.mjs `fileRoles` (or a test tier)' } },
      create(context) {
        return {
          Program(node) {
            const name = basename(context.filename);
            if (!sourceName.test(name) && !testName.test(name)) context.report({ node, messageId: 'name', data: { name } });
          },
        };
      },
    },
  },
};

export default [
  { ignores: ['**/dist', '**/node_modules', '.toolchain', '.cache', '.vigil', 'tmp', 'tools/cli/bin/*.js', 'jest.config.js', 'jest.faults.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx, vigil },
    rules: {
      'vigil/file-name': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints,
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@vigil/testing', '@vigil/*/testing'], message: 'test helpers are for tests and test kits only' }] },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='only']", message: 'focused tests run nothing else' },
      ],
    },
  },
  {
    // STYLE.md 3: a switch over a union (event types above all) names every member, so a new
    // event type breaks the lint where it is not handled; `default: return` would hide it.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'tools/**/*.ts'],
    ignores: testFiles,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: false, allowDefaultCaseForExhaustiveSwitch: true }],
    },
  },
  {
    files: testFiles,
    rules: {
      'no-restricted-imports': 'off',
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: testDepConstraints }],
    },
  },
  {
    // The reporting dashboard's script runs in the browser as it is served (no bundler): a classic
    // script with the browser's globals and Chart.js's UMD global.
    files: ['apps/reporting-api/src/dashboard/static/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'script', globals: { ...globals.browser, Chart: 'readonly' } },
    rules: { ...js.configs.recommended.rules },
  },
];
