// Lint, including the layering rules of DEVELOPERS.md: the engine never imports
// Electron or UI code, shared/ imports nothing platform-specific, the renderer
// imports only shared/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'http', 'https', 'net', 'tls', 'crypto', 'child_process', 'stream', 'url', 'util', 'zlib', 'events'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'test/e2e/screenshots/**', 'coverage/**'] },
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
    files: ['electron/registry/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'electron/registry/ is plain Node: no Electron imports.' }],
        patterns: [
          { group: ['react', 'react-dom', '@tanstack/*', 'electron-store', 'keytar'], message: 'The engine depends on no UI, settings or keychain package.' },
          { group: ['**/renderer/**', '**/ipc/**', '**/cli/**', '**/credentials/**', '**/settings/**', '../main', '../preload'], message: 'The engine imports only itself and shared/.' },
        ],
      }],
    },
  },
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: [...nodeBuiltins, 'electron', 'react', 'react-dom', 'undici'], message: 'shared/ is the IPC contract: no Node, DOM-framework or Electron APIs.' },
          { group: ['**/electron/**', '**/renderer/**', '**/test/**'], message: 'shared/ imports only shared/.' },
        ],
      }],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', fetch: 'readonly', EventSource: 'readonly', requestAnimationFrame: 'readonly' } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: [...nodeBuiltins, 'electron', 'undici', 'keytar', 'electron-store'], message: 'The renderer talks to the main process only through the IPC contract.' },
          { group: ['**/electron/**', '**/test/**'], message: 'The renderer imports only shared/ (and its own files).' },
        ],
      }],
    },
  },
  {
    files: ['renderer/vite.config.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
