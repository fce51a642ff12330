// Lint for the whole workspace. Two rules carry the architecture:
//  - @nx/enforce-module-boundaries: dependencies point strictly down the
//    layers of DESIGN.md (core < io < fs < app); no sideways imports.
//  - no-restricted-imports: only blockdev-node, ext2-cli and tools/ may use
//    Node's built-in modules, so everything else runs in a browser or worker.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

const testFiles = ['**/*.test.ts', '**/test/**', '**/test-support/**', '**/bench/**'];

/** Layer rules for library code: each layer may use only the layers below it. */
const layerConstraints = [
  { sourceTag: 'layer:core', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'layer:io', onlyDependOnLibsWithTags: ['layer:core'] },
  { sourceTag: 'layer:fs', onlyDependOnLibsWithTags: ['layer:core', 'layer:io'] },
  { sourceTag: 'layer:app', onlyDependOnLibsWithTags: ['layer:core', 'layer:io', 'layer:fs'] },
  { sourceTag: 'layer:tools', onlyDependOnLibsWithTags: ['*'] },
];

/**
 * Tests and benchmarks from layer io up may also use @iomap/testkit (tagged
 * type:testkit) and run on real files through @iomap/blockdev-node (tagged
 * type:node-device). Neither imports an io engine, so this makes no cycle.
 */
const testLayerConstraints = layerConstraints.map((c) =>
  c.sourceTag === 'layer:io' || c.sourceTag === 'layer:fs'
    ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testkit', 'type:node-device'] }
    : c,
);

const boundaries = (depConstraints) => [
  'error',
  { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints },
];

const nodeModuleNames = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))];
const nodeMessage = 'Only blockdev-node, ext2-cli and tools/ may import Node built-ins (DESIGN.md: layers).';

/** Options for no-restricted-imports in package code: never tools/, and (browser-safe packages) no Node built-ins. */
function restrictedImports({ node }) {
  const patterns = [{ group: ['@iomap-tools/*'], message: 'Packages never import the private tools/ projects.' }];
  if (!node) return ['error', { patterns }];
  return [
    'error',
    {
      paths: nodeModuleNames.map((name) => ({ name, message: nodeMessage })),
      patterns: [...patterns, { group: ['node:*'], message: nodeMessage }],
    },
  ];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/reports/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(layerConstraints),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-throw-literal': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: testFiles,
    rules: { '@nx/enforce-module-boundaries': boundaries(testLayerConstraints) },
  },
  {
    // Each project's vitest config re-uses the workspace's shared settings file.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Packages never import the private tools/ projects.
    files: ['packages/**/*.ts'],
    ignores: testFiles,
    rules: { 'no-restricted-imports': restrictedImports({ node: false }) },
  },
  {
    // Browser-safe packages: no Node built-ins outside tests.
    files: ['packages/**/*.ts'],
    ignores: ['packages/blockdev-node/**', 'packages/ext2-cli/**', ...testFiles],
    rules: { 'no-restricted-imports': restrictedImports({ node: true }) },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'tools/**/*.ts', '*.ts'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // CommonJS scripts (the ext2-lite command's entry, which starts faster than an ES module).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
