// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Time comes from the Clock port only, so tests can control it (src/platform/clock.ts).
const platformRules = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'Read time from the Clock port (src/platform/clock.ts), not Date.now().',
  },
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'Read time from the Clock port (src/platform/clock.ts), not new Date().',
  },
  {
    selector: "MemberExpression[object.name='process'][property.name='env']",
    message: 'Configuration is parsed once in src/platform/config.ts and passed in.',
  },
];

// In services, an event's payload and another service's client are typed by their contracts
// (consumerOf<ProducerEventMap>, clientOf<Client>): a cast would hide a contract that drifted.
const serviceRules = [
  {
    selector: "TSAsExpression[expression.type='MemberExpression'][expression.property.name='payload']",
    message: "Type event payloads by the producer's event map (consumerOf), not with `as`.",
  },
  {
    selector:
      "TSAsExpression[expression.type='MemberExpression'][expression.property.name=/^(client|commands)$/]",
    message: 'Get clients by their typed key (ctx.clients.get(jobClient)), not with `as`.',
  },
  {
    selector: "CallExpression[callee.object.property.name='clients'][typeArguments]",
    message: 'Get clients by their typed key (ctx.clients.get(jobClient)); the key carries the type.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'coverage/**',
      'bin/**',
      '.ci/**',
      '.dependency-cruiser.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      'no-restricted-syntax': ['error', ...platformRules],
    },
  },
  {
    files: ['src/services/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...platformRules, ...serviceRules] },
  },
  {
    // Tests, benchmarks and the config loader may read the environment; tests may use unsafe `any` results.
    files: ['test/**', 'bench/**', 'src/**/*.test.ts', 'src/platform/config.ts', 'vitest.config.ts'],
    rules: {
      'no-restricted-syntax': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
