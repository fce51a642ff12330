import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

describe('public API', () => {
  it('exports mount, the filesystem class and the feature vocabulary, no raw decoders', () => {
    expect(Object.keys(api).sort()).toEqual(['COMPAT', 'Ext2Filesystem', 'INCOMPAT', 'RO_COMPAT', 'describeFeatures', 'mount']);
    expect(api.describeFeatures({ compat: api.COMPAT.ext_attr, incompat: api.INCOMPAT.filetype, roCompat: api.RO_COMPAT.sparse_super })).toEqual([
      'ext_attr',
      'filetype',
      'sparse_super',
    ]);
  });
});
