import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

describe('public API of the format layer', () => {
  it('exports only the feature vocabulary, no raw decoders', () => {
    expect(Object.keys(api).sort()).toEqual(['COMPAT', 'INCOMPAT', 'RO_COMPAT', 'describeFeatures']);
    expect(api.describeFeatures({ compat: api.COMPAT.ext_attr, incompat: api.INCOMPAT.filetype, roCompat: api.RO_COMPAT.sparse_super })).toEqual([
      'ext_attr',
      'filetype',
      'sparse_super',
    ]);
  });
});
