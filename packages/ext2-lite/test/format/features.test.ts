import { describe, expect, it } from 'vitest';
import { UnsupportedFeatureError } from '@iomap/core';
import { COMPAT, INCOMPAT, RO_COMPAT, describeFeatures, featureName, featureNames, featurePolicy, hasFeature } from '../../src/format/features.js';

describe('feature names (e2fsprogs spelling)', () => {
  it("lists mke2fs -t ext2's default features as dumpe2fs prints them", () => {
    expect(describeFeatures({ compat: 0x38, incompat: 0x2, roCompat: 0x3 }).join(' ')).toBe(
      'ext_attr resize_inode dir_index filetype sparse_super large_file',
    );
  });

  it('orders compat, then incompat, then ro_compat, lowest bit first', () => {
    expect(describeFeatures({ compat: COMPAT.has_journal | COMPAT.dir_prealloc, incompat: INCOMPAT.meta_bg | INCOMPAT.filetype, roCompat: RO_COMPAT.huge_file })).toEqual([
      'dir_prealloc',
      'has_journal',
      'filetype',
      'meta_bg',
      'huge_file',
    ]);
  });

  it('prints unnamed bits as FEATURE_<C|I|R><bit>, including bit 31', () => {
    expect(featureName('compat', 0x80)).toBe('FEATURE_C7');
    expect(featureName('incompat', 0x20)).toBe('FEATURE_I5');
    expect(featureName('roCompat', 0x4)).toBe('FEATURE_R2');
    expect(featureNames('compat', 0x80000000)).toEqual(['FEATURE_C31']);
    expect(featureNames('incompat', 0xffffffff)).toHaveLength(32);
  });

  it('names the ext4 bits the way debugfs 1.47 does', () => {
    expect(featureNames('incompat', 0x3f7df)).toEqual([
      'compression', 'filetype', 'needs_recovery', 'journal_dev', 'meta_bg', 'extent', '64bit', 'mmp', 'flex_bg', 'ea_inode',
      'dirdata', 'metadata_csum_seed', 'large_dir', 'inline_data', 'encrypt', 'casefold',
    ]);
    expect(featureNames('roCompat', 0x1ff7b)).toEqual([
      'sparse_super', 'large_file', 'huge_file', 'uninit_bg', 'dir_nlink', 'extra_isize', 'quota', 'bigalloc', 'metadata_csum',
      'replica', 'read-only', 'project', 'shared_blocks', 'verity', 'orphan_present',
    ]);
    expect(featureNames('compat', 0x1f7f)).toEqual([
      'dir_prealloc', 'imagic_inodes', 'has_journal', 'ext_attr', 'resize_inode', 'dir_index', 'lazy_bg', 'snapshot_bitmap',
      'sparse_super2', 'fast_commit', 'stable_inodes', 'orphan_file',
    ]);
  });

  it('tests single bits', () => {
    expect(hasFeature({ compat: 0x38, incompat: 0, roCompat: 0 }, 'compat', COMPAT.dir_index)).toBe(true);
    expect(hasFeature({ compat: 0x38, incompat: 0, roCompat: 0 }, 'incompat', INCOMPAT.filetype)).toBe(false);
  });
});

describe('featurePolicy (EXT2.md 1.3)', () => {
  it('allows read-write with exactly the features we honour', () => {
    expect(featurePolicy({ compat: 0x3f, incompat: 0x12, roCompat: 0x3 })).toEqual({ readOnly: false, reasons: [], checkJournal: true });
  });

  it('refuses unsupported incompat features with UnsupportedFeatureError naming all of them', () => {
    let err: unknown;
    try {
      featurePolicy({ compat: 0, incompat: INCOMPAT.filetype | INCOMPAT.extent | INCOMPAT.flex_bg | 0x80000000, roCompat: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedFeatureError);
    expect((err as UnsupportedFeatureError).code).toBe('EOPNOTSUPP');
    expect((err as UnsupportedFeatureError).features).toEqual(['extent', 'flex_bg', 'FEATURE_I31']);
  });

  it('refuses needs_recovery and says the journal must be replayed', () => {
    expect(() => featurePolicy({ compat: 0x4, incompat: INCOMPAT.needs_recovery | INCOMPAT.filetype, roCompat: 0 })).toThrow(/needs_recovery.*replay/);
  });

  it('forces read-only for unknown or unsupported ro_compat features', () => {
    const v = featurePolicy({ compat: 0, incompat: 0x2, roCompat: 0x3 | RO_COMPAT.dir_nlink | 0x4 | 0x100000 });
    expect(v.readOnly).toBe(true);
    expect(v.reasons).toEqual([
      'ro_compat feature FEATURE_R2 is not supported for writing',
      'ro_compat feature dir_nlink is not supported for writing',
      'ro_compat feature FEATURE_R20 is not supported for writing',
    ]);
  });

  it('forces read-only for compat features whose rules we do not follow', () => {
    const v = featurePolicy({ compat: COMPAT.sparse_super2 | COMPAT.orphan_file | 0x80000, incompat: 0, roCompat: 0 });
    expect(v.readOnly).toBe(true);
    expect(v.reasons.map((r) => r.split(' ')[2])).toEqual(['sparse_super2', 'orphan_file', 'FEATURE_C19']);
  });
});
