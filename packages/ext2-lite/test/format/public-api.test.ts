import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

describe('public API', () => {
  it('exports mkfs, ImageBuilder, mount, check, the filesystem class, the superblock decoder, the feature vocabulary and the POSIX ACL xattr encoding, no other raw decoders', () => {
    expect(Object.keys(api).sort()).toEqual([
      'ACL_ACCESS_NAME',
      'ACL_DEFAULT_NAME',
      'ACL_TAG',
      'ACL_UNDEFINED_ID',
      'CHECK_PROBLEMS',
      'COMPAT',
      'CREATOR_OS',
      'Ext2Filesystem',
      'FS_ERRORS',
      'FS_STATE',
      'INCOMPAT',
      'ImageBuilder',
      'RO_COMPAT',
      'SUPERBLOCK_OFFSET',
      'SUPERBLOCK_SIZE',
      'check',
      'decodeAclXattr',
      'decodeSuperblock',
      'describeFeatures',
      'encodeAclXattr',
      'formatUuid',
      'lastMountedPath',
      'mkfs',
      'mount',
      'volumeLabel',
    ]);
    expect(api.describeFeatures({ compat: api.COMPAT.ext_attr, incompat: api.INCOMPAT.filetype, roCompat: api.RO_COMPAT.sparse_super })).toEqual([
      'ext_attr',
      'filetype',
      'sparse_super',
    ]);
  });
});
