import { sharedProjectConfig } from '../../vitest.shared.ts';

// The end-to-end tests spawn the real binary, which runs dist/: the global
// setup brings dist/ up to date first (tsc -b, a no-op when it is).
const config = sharedProjectConfig(import.meta.url);
config.test = { ...config.test, globalSetup: ['test/support/build-cli.ts'] };

export default config;
