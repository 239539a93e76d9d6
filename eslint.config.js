import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'coverage/', 'test-results/', 'playwright-report/', 'data/', '.tmp/'],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // V8 allocates a function written as the right side of a property assignment in the old
    // generation, taking it for a method made once. Made per request, such a function holds its
    // request, and once dead keeps it alive through every young-generation collection until the
    // next full one (api/compress.ts, DEVELOPERS.md): give it a name first (`const f = …; o.x = f`).
    files: ['bff/src/**/*.ts'],
    ignores: ['bff/src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          'AssignmentExpression[left.type="MemberExpression"] > :matches(ArrowFunctionExpression, FunctionExpression).right',
          'AssignmentExpression[left.type="MemberExpression"] > :matches(TSAsExpression, TSSatisfiesExpression, TSNonNullExpression).right > :matches(ArrowFunctionExpression, FunctionExpression).expression',
        ].map((selector) => ({
          selector,
          message:
            'A function written as the right side of a property assignment is made in the old generation and keeps what it holds past young collections: assign a named const instead.',
        })),
      ],
    },
  },
  {
    files: ['bench/**', 'scripts/**', 'bff/src/cli/**', 'e2e/**'],
    rules: { 'no-console': 'off' },
  },
);
