// Lint, including README's layout table (### Layout): which folder may import
// which, and which npm packages each may use (scripts/lint-layers.mjs checks
// it). `npm run lint` also refuses import cycles (scripts/check-cycles.mjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './scripts/lint-layers.mjs';

/**
 * The layout table, from the bottom up: a layer may import itself, the layers
 * named in `mayImport`, and the npm packages in `packages` ('node:' stands for
 * Node's built-in modules). `files` names folders (`x/`), file-name prefixes
 * (`x*`) or files. Files outside electron/, shared/ and renderer/src/ (test/,
 * scripts/, configs) are not checked; one inside them in no layer is an error.
 */
const LAYERS = [
  { name: 'shared/', files: ['shared/'], mayImport: [], packages: ['zod'] },
  { name: 'the engine (electron/registry/)', files: ['electron/registry/'], mayImport: ['shared/'], packages: ['node:', 'undici'] },
  { name: 'electron/credentials/', files: ['electron/credentials/'], mayImport: ['the engine (electron/registry/)', 'shared/'], packages: ['node:', 'keytar'] },
  { name: 'electron/settings/', files: ['electron/settings/'], mayImport: ['the engine (electron/registry/)', 'shared/'], packages: ['node:', 'zod'] },
  { name: 'electron/demo/', files: ['electron/demo/'], mayImport: ['the engine (electron/registry/)', 'shared/'], packages: ['node:'] },
  { name: 'electron/update-service.ts', files: ['electron/update-service.ts'], mayImport: ['the engine (electron/registry/)', 'electron/settings/', 'shared/'], packages: ['node:'] },
  { name: 'electron/services.ts', files: ['electron/services.ts'], mayImport: ['the engine (electron/registry/)', 'electron/credentials/', 'electron/settings/', 'shared/'], packages: ['node:'] },
  { name: 'electron/ipc/', files: ['electron/ipc/'], mayImport: ['the engine (electron/registry/)', 'electron/credentials/', 'electron/settings/', 'electron/update-service.ts', 'shared/'], packages: ['node:'] },
  {
    name: 'electron/cli/',
    files: ['electron/cli/'],
    mayImport: ['electron/services.ts', 'electron/ipc/', 'electron/demo/', 'the engine (electron/registry/)', 'electron/credentials/', 'electron/settings/', 'electron/update-service.ts', 'shared/', 'package.json'],
    packages: ['node:'],
  },
  {
    name: 'the Electron shell',
    files: ['electron/main.ts', 'electron/preload.ts', 'electron/app-*', 'electron/window-options.ts'],
    mayImport: ['electron/services.ts', 'electron/ipc/', 'the engine (electron/registry/)', 'electron/credentials/', 'electron/settings/', 'electron/update-service.ts', 'shared/'],
    packages: ['node:', 'electron', 'electron-store'],
  },
  { name: 'renderer/', files: ['renderer/src/'], mayImport: ['shared/'], packages: ['react', 'react-dom', '@tanstack/react-query'] },
  { name: 'package.json', files: ['package.json'], mayImport: [], packages: [] },
];

export default tseslint.config(
  { ignores: ['dist/**', 'dist.build-*/**', 'dist.old-*/**', 'node_modules/**', 'release/**', 'test/e2e/screenshots/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', __dirname: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['test/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['electron/**/*.ts', 'shared/**/*.ts', 'renderer/src/**/*.{ts,tsx}'],
    plugins: { regdesk: layersPlugin },
    rules: { 'regdesk/layers': ['error', { layers: LAYERS }] },
  },
  {
    // The client is the only door to a registry: its transport stack is the engine's own business.
    files: ['electron/**/*.ts', 'shared/**/*.ts', 'renderer/src/**/*.{ts,tsx}'],
    ignores: ['electron/registry/**'],
    rules: {
      'no-restricted-syntax': ['error', ...["MemberExpression[property.name='transport'][object.name=/[cC]lient$/]", "MemberExpression[property.name='transport'][object.property.name=/[cC]lient$/]"].map((selector) => ({
        selector, message: 'Reach a registry through RegistryClient operations, not its transport (README, Layout).',
      }))],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', fetch: 'readonly', EventSource: 'readonly', requestAnimationFrame: 'readonly' } },
  },
);
