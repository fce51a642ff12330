// Placement of extended attributes (EXT2.md 5.2-5.3, e2fsprogs' rule):
// in-inode while there is room, else the shared block; create/replace flags;
// names and value limits as setxattr(2) on ext2 reports them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildInodeXattrArea, buildXattrBlock, type NewXattr } from '../../src/format/xattr.js';
import { checkXattrValue, parseWritableXattrName } from '../../src/xattr/xattr-name.js';
import { planXattrChange, type XattrPlacement } from '../../src/xattr/xattr-plan.js';
import { expectFsError, text, utf8 } from '../format/helpers.js';

const user = (name: string) => ({ nameIndex: 1, name: utf8(name) });
const attr = (name: string, size: number, fill = 0x61): NewXattr => ({ ...user(name), value: new Uint8Array(size).fill(fill) });
const names = (list: readonly NewXattr[]) => list.map((a) => text(a.name));
const space256 = { inodeArea: 256 - 128 - 32, blockSize: 1024 };
const empty: XattrPlacement = { inode: [], block: [] };
const set = (name: string, size: number, flags: { create?: boolean; replace?: boolean } = {}) => ({ kind: 'set' as const, attr: user(name), value: new Uint8Array(size).fill(0x62), ...flags });

describe('xattr placement (EXT2.md 5.3)', () => {
  it('puts a small attribute in-inode on a 256-byte inode, and in the block on a 128-byte one', () => {
    const inInode = planXattrChange(empty, set('small', 3), space256, 'setxattr');
    expect(names(inInode.inode)).toEqual(['small']);
    expect(inInode.block).toEqual([]);
    expect([inInode.inodeChanged, inInode.blockChanged]).toEqual([true, false]);
    const noArea = planXattrChange(empty, set('small', 3), { inodeArea: 0, blockSize: 1024 }, 'setxattr');
    expect(names(noArea.block)).toEqual(['small']);
    expect([noArea.inodeChanged, noArea.blockChanged]).toEqual([false, true]);
  });

  it('sends what does not fit the inode to the block, keeping earlier in-inode attributes where they are', () => {
    const first = planXattrChange(empty, set('a', 40), space256, 'setxattr');
    const second = planXattrChange(first, set('big', 300), space256, 'setxattr');
    expect(names(second.inode)).toEqual(['a']);
    expect(names(second.block)).toEqual(['big']);
    expect([second.inodeChanged, second.blockChanged]).toEqual([false, true]);
  });

  it('moves an attribute into the inode when its new value fits there, and out when it no longer does', () => {
    const start: XattrPlacement = { inode: [attr('a', 8)], block: [attr('b', 300)] };
    const shrunk = planXattrChange(start, set('b', 4), space256, 'setxattr');
    expect(names(shrunk.inode).sort()).toEqual(['a', 'b']);
    expect(shrunk.block).toEqual([]);
    const grown = planXattrChange(start, set('a', 200), space256, 'setxattr');
    expect(names(grown.inode)).toEqual([]);
    expect(names(grown.block).sort()).toEqual(['a', 'b']);
  });

  it('changes nothing when the value is the same', () => {
    const start: XattrPlacement = { inode: [], block: [attr('b', 30, 0x62)] };
    const plan = planXattrChange(start, set('b', 30), space256, 'setxattr');
    expect([plan.inodeChanged, plan.blockChanged]).toEqual([false, false]);
  });

  it('honours XATTR_CREATE and XATTR_REPLACE, and removes with ENODATA when absent', () => {
    const start: XattrPlacement = { inode: [attr('a', 8)], block: [] };
    expectFsError(() => planXattrChange(start, set('a', 1, { create: true }), space256, 'setxattr'), 'EEXIST');
    expectFsError(() => planXattrChange(start, set('z', 1, { replace: true }), space256, 'setxattr'), 'ENODATA');
    expect(names(planXattrChange(start, set('a', 2, { replace: true }), space256, 'setxattr').inode)).toEqual(['a']);
    const removed = planXattrChange(start, { kind: 'remove', attr: user('a') }, space256, 'removexattr');
    expect(removed).toEqual({ inode: [], block: [], inodeChanged: true, blockChanged: false });
    expectFsError(() => planXattrChange(removed, { kind: 'remove', attr: user('a') }, space256, 'removexattr'), 'ENODATA');
  });

  it('tells attributes of different namespaces apart', () => {
    const start: XattrPlacement = { inode: [attr('a', 8)], block: [] };
    const plan = planXattrChange(start, { kind: 'set', attr: { nameIndex: 4, name: utf8('a') }, value: utf8('t') }, space256, 'setxattr');
    expect(plan.inode.map((a) => a.nameIndex).sort()).toEqual([1, 4]);
  });

  it('answers ENOSPC when the block is full too', () => {
    const start: XattrPlacement = { inode: [], block: [attr('full', 900)] };
    expectFsError(() => planXattrChange(start, set('more', 200), { inodeArea: 0, blockSize: 1024 }, 'setxattr'), 'ENOSPC');
  });

  it('never plans a placement the encoders cannot store (random sequences)', () => {
    const op = fc.record({ name: fc.constantFrom('a', 'bb', 'ccc', 'long-name-here'), size: fc.integer({ min: 0, max: 400 }), remove: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.constantFrom(0, 96, 352), (ops, inodeArea) => {
        let state: XattrPlacement = empty;
        const space = { inodeArea, blockSize: 1024 };
        const model = new Map<string, number>();
        for (const o of ops) {
          try {
            state = o.remove ? planXattrChange(state, { kind: 'remove', attr: user(o.name) }, space, 'x') : planXattrChange(state, set(o.name, o.size), space, 'x');
            if (o.remove) model.delete(o.name);
            else model.set(o.name, o.size);
          } catch (err) {
            expect((err as { code: string }).code).toBe(o.remove ? 'ENODATA' : 'ENOSPC');
          }
        }
        if (state.inode.length > 0) expect(buildInodeXattrArea(state.inode, inodeArea)).toBeDefined();
        if (state.block.length > 0) expect(buildXattrBlock(state.block, { blockSize: 1024 })).toBeDefined();
        const all = [...state.inode, ...state.block];
        expect(new Map(all.map((a) => [text(a.name), a.value.length]))).toEqual(model);
        expect(all.length).toBe(model.size);
      }),
      { numRuns: 200 },
    );
  });
});

describe('xattr names and values for setxattr', () => {
  it('parses the writable namespaces', () => {
    expect(parseWritableXattrName('user.origin', 'setxattr')).toEqual({ nameIndex: 1, name: utf8('origin') });
    expect(parseWritableXattrName('trusted.x', 'setxattr').nameIndex).toBe(4);
    expect(parseWritableXattrName('security.selinux', 'setxattr').nameIndex).toBe(6);
  });

  it('refuses unknown namespaces and system.* other than the two ACL names (EOPNOTSUPP), empty suffixes (EINVAL), long names (ERANGE)', () => {
    expectFsError(() => parseWritableXattrName('os2.x', 'setxattr'), 'EOPNOTSUPP');
    expectFsError(() => parseWritableXattrName('system.data', 'setxattr'), 'EOPNOTSUPP');
    expectFsError(() => parseWritableXattrName('system.posix_acl_accessX', 'setxattr'), 'EOPNOTSUPP');
    expectFsError(() => parseWritableXattrName('system.richacl', 'setxattr'), 'EOPNOTSUPP');
    expect(parseWritableXattrName('system.posix_acl_access', 'setxattr')).toEqual({ nameIndex: 2, name: new Uint8Array(0) });
    expect(parseWritableXattrName('system.posix_acl_default', 'setxattr')).toEqual({ nameIndex: 3, name: new Uint8Array(0) });
    expectFsError(() => parseWritableXattrName('user.', 'setxattr'), 'EINVAL');
    expectFsError(() => parseWritableXattrName(`user.${'n'.repeat(251)}`, 'setxattr'), 'ERANGE');
    expect(parseWritableXattrName(`user.${'n'.repeat(250)}`, 'setxattr').name.length).toBe(250);
    expectFsError(() => parseWritableXattrName('', 'setxattr'), 'ERANGE');
  });

  it('limits a value to one block, as fs/ext2 does (ERANGE)', () => {
    expect(() => checkXattrValue(new Uint8Array(4096), 4096, 'setxattr')).not.toThrow();
    expectFsError(() => checkXattrValue(new Uint8Array(1025), 1024, 'setxattr'), 'ERANGE');
  });
});
