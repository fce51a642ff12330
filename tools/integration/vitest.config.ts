import { sharedProjectConfig } from '../../vitest.shared.ts';

export default sharedProjectConfig(import.meta.url);
