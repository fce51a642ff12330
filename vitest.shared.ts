// Shared vitest settings for every workspace project.
//
// Each project's vitest.config.ts calls sharedProjectConfig(import.meta.url).
// Workspace packages resolve to their TypeScript sources, so tests never run
// against a stale dist/ and no build is needed before `vitest`.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const workspaceRoot = dirname(fileURLToPath(import.meta.url));

/** Maps every `@iomap/*` package name to its `src/index.ts`. */
function workspaceSourceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  const packagesDir = join(workspaceRoot, 'packages');
  for (const dir of readdirSync(packagesDir)) {
    const manifest = join(packagesDir, dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
    aliases[name] = join(packagesDir, dir, 'src', 'index.ts');
  }
  return aliases;
}

export function sharedProjectConfig(configUrl: string): UserWorkspaceConfig {
  const projectRoot = dirname(fileURLToPath(configUrl));
  return defineProject({
    resolve: {
      alias: Object.entries(workspaceSourceAliases()).map(([find, replacement]) => ({
        find: new RegExp(`^${find.replace('/', '\\/')}$`),
        replacement,
      })),
    },
    test: {
      name: basename(projectRoot),
      root: projectRoot,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 30_000,
      // e2fsck (spawned by many suites) must not judge superblock times against a VM clock that can step back.
      env: { E2FSCK_CONFIG: join(workspaceRoot, 'tools', 'workspace', 'e2fsck-tests.conf') },
      reporters: ['default', 'json'],
      outputFile: { json: join(projectRoot, 'reports', 'vitest.json') },
    },
  });
}
