// The layer rules of DESIGN.md are enforced by lint, and this proves it: an
// upward or sideways import, or a Node built-in in a browser-safe package, is
// rejected; the allowed directions pass.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { createProjectGraphAsync } from '@nx/devkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let eslint: ESLint;

beforeAll(async () => {
  // The boundary rule reads nx's cached project graph; make sure it exists,
  // or the rule would silently skip itself.
  process.env.NX_DAEMON = 'false';
  await createProjectGraphAsync({ exitOnError: false });
  eslint = new ESLint({ cwd: root });
}, 120_000);

async function lintAs(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

const boundary = '@nx/enforce-module-boundaries';

describe('layer boundaries', () => {
  it('rejects an upward import from core into buffered', async () => {
    const messages = await lintAs(
      'packages/iomap-core/src/layer-fixture.ts',
      "import * as buffered from '@iomap/buffered';\nexport const fixture = buffered;\n",
    );
    expect(messages.some((m) => m.startsWith(boundary))).toBe(true);
  });

  it('rejects a sideways import between two io packages', async () => {
    const messages = await lintAs(
      'packages/iomap-direct/src/layer-fixture.ts',
      "import * as buffered from '@iomap/buffered';\nexport const fixture = buffered;\n",
    );
    expect(messages.some((m) => m.startsWith(boundary))).toBe(true);
  });

  it('rejects testkit in library code but allows it in tests', async () => {
    const code = "import * as testkit from '@iomap/testkit';\nexport const fixture = testkit;\n";
    expect((await lintAs('packages/iomap-buffered/src/layer-fixture.ts', code)).some((m) => m.startsWith(boundary))).toBe(true);
    expect(await lintAs('packages/iomap-buffered/test/layer-fixture.test.ts', code)).toEqual([]);
  });

  it('rejects a package importing from tools', async () => {
    const messages = await lintAs(
      'packages/ext2-cli/src/layer-fixture.ts',
      "import * as w from '@iomap-tools/workspace';\nexport const fixture = w;\n",
    );
    expect(messages.some((m) => m.startsWith('no-restricted-imports'))).toBe(true);
  });

  it('allows downward imports', async () => {
    const messages = await lintAs(
      'packages/iomap-buffered/src/layer-fixture.ts',
      "import { IomapType } from '@iomap/core';\nexport const fixture = IomapType;\n",
    );
    expect(messages).toEqual([]);
  });
});

describe('node built-ins', () => {
  it('rejects node:* and bare built-ins in browser-safe packages', async () => {
    for (const spec of ['node:fs/promises', 'fs', 'path']) {
      const messages = await lintAs(
        'packages/iomap-core/src/layer-fixture.ts',
        `import * as m from '${spec}';\nexport const fixture = m;\n`,
      );
      expect(messages.some((m) => m.startsWith('no-restricted-imports')), spec).toBe(true);
    }
  });

  it('allows them in blockdev-node, ext2-cli, tools and test files', async () => {
    const code = "import { open } from 'node:fs/promises';\nexport const fixture = open;\n";
    for (const file of [
      'packages/blockdev-node/src/layer-fixture.ts',
      'packages/ext2-cli/src/layer-fixture.ts',
      'tools/workspace/layer-fixture.ts',
      'packages/iomap-core/test/layer-fixture.test.ts',
    ]) {
      expect(await lintAs(file, code), file).toEqual([]);
    }
  });
});

describe('tests and benchmarks', () => {
  it('may run on the Node device from an io package, while library code may not', async () => {
    const code = "import { FileDevice } from '@iomap/blockdev-node';\nexport const fixture = FileDevice;\n";
    expect(await lintAs('packages/iomap-direct/bench/layer-fixture.bench.ts', code)).toEqual([]);
    expect((await lintAs('packages/iomap-direct/src/layer-fixture.ts', code)).some((m) => m.startsWith(boundary))).toBe(true);
  });
});
