// The concurrency oracle itself: outcomes that some interleaving of the
// calls' atomic steps explains are accepted, the others rejected (so the
// concurrency test can fail, and fails only for real violations); read
// results are judged record by record.
import { describe, expect, it } from 'vitest';
import { FsModel, type ModelNode } from '../workload/model/fs-model.js';
import type { Outcome } from '../workload/runner.js';
import { concBytes, readIsValid, type ConcOp } from './conc-ops.js';
import { findSerialOrder, fingerprint, hashBytes, modelEntries, type TreeEntry } from './serial-search.js';

const inScope = (path: string): boolean => path.startsWith('/t');
const ok = (value?: unknown): Outcome => ({ ok: true, value });
const err = (code: string): Outcome => ({ ok: false, code, message: code });
const INITIAL = concBytes(1, 1, 112, 0);

function start(): FsModel {
  const m = new FsModel();
  m.mkdir('/t');
  m.writeFile('/t/a', INITIAL);
  return m;
}

function tree(entries: [string, 'file' | 'dir', Uint8Array | null, number][]): string {
  return fingerprint(entries.map(([path, kind, data, inode]): TreeEntry => ({ path, kind, nlink: kind === 'dir' ? 2 : 1, data: data === null ? '' : hashBytes(data), inode })));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('serial order search (concurrency oracle)', () => {
  it('accepts two racing writeFiles ending as either one, or as the shorter over the longer (open-truncate, then write); nothing else', () => {
    const ops: ConcOp[] = [
      { op: 'writeFile', group: 1, path: '/t/a', size: 3008, seed: 7 },
      { op: 'writeFile', group: 1, path: '/t/a', size: 1008, seed: 8 },
    ];
    const first = concBytes(1, 7, 3008, 0);
    const second = concBytes(1, 8, 1008, 0);
    const mixed = concat(second, first.subarray(1008));
    for (const content of [second, first, mixed]) {
      const r = findSerialOrder({ model: start(), ops, observed: [ok(), ok()], handles: [], finalTree: tree([['/t', 'dir', null, 1], ['/t/a', 'file', content, 2]]), inScope });
      expect(r.model, `content of ${content.length} bytes`).toBeDefined();
    }
    const impossible = concat(first.subarray(0, 1008), second);
    const r = findSerialOrder({ model: start(), ops, observed: [ok(), ok()], handles: [], finalTree: tree([['/t', 'dir', null, 1], ['/t/a', 'file', impossible, 2]]), inScope });
    expect(r.model).toBeUndefined();
    expect(r.exhausted).toBe(true);
  });

  it('rejects two successful unlinks of one name, and accepts one ENOENT', () => {
    const ops: ConcOp[] = [{ op: 'unlink', path: '/t/a' }, { op: 'unlink', path: '/t/a' }];
    const after = tree([['/t', 'dir', null, 1]]);
    expect(findSerialOrder({ model: start(), ops, observed: [ok(), ok()], handles: [], finalTree: after, inScope }).model).toBeUndefined();
    expect(findSerialOrder({ model: start(), ops, observed: [err('ENOENT'), ok()], handles: [], finalTree: after, inScope }).model).toBeDefined();
  });

  it('rejects a rename that left both names, and a read that failed where no order lets it fail', () => {
    const rename: ConcOp[] = [{ op: 'rename', from: '/t/a', to: '/t/b' }];
    const both = tree([['/t', 'dir', null, 1], ['/t/a', 'file', INITIAL, 2], ['/t/b', 'file', INITIAL, 3]]);
    expect(findSerialOrder({ model: start(), ops: rename, observed: [ok()], handles: [], finalTree: both, inScope }).model).toBeUndefined();
    const read: ConcOp[] = [{ op: 'readFile', path: '/t/a' }, { op: 'appendFile', group: 1, path: '/t/a', size: 16, seed: 5 }];
    const appended = tree([['/t', 'dir', null, 1], ['/t/a', 'file', concat(INITIAL, concBytes(1, 5, 16, null)), 2]]);
    expect(findSerialOrder({ model: start(), ops: read, observed: [ok(INITIAL), ok()], handles: [], finalTree: appended, inScope }).model).toBeDefined();
    expect(findSerialOrder({ model: start(), ops: read, observed: [err('ENOENT'), ok()], handles: [], finalTree: appended, inScope }).model).toBeUndefined();
  });

  it('follows writes through a handle whose file was renamed away, and reports the model after the order found', () => {
    const model = start();
    const node = model.resolve('/t/a', true).node as ModelNode;
    const ops: ConcOp[] = [{ op: 'rename', from: '/t/a', to: '/t/z' }, { op: 'pwrite', group: 1, handle: 0, pos: 208, size: 16, seed: 4 }];
    const content = concat(INITIAL, new Uint8Array(96), concBytes(1, 4, 16, 208));
    const r = findSerialOrder({ model, ops, observed: [ok(), ok(16)], handles: [node], finalTree: tree([['/t', 'dir', null, 1], ['/t/z', 'file', content, 2]]), inScope });
    expect(r.model).toBeDefined();
    expect(fingerprint(modelEntries(r.model as FsModel, inScope))).toContain('/t/z file');
    expect(r.handles?.[0]?.data.size).toBe(224);
  });
});

describe('read validity (a read may overlap a write, but only return written bytes)', () => {
  const seeds = new Set([1, 5, 9]);
  it('accepts whole and partial writes, holes and appends anywhere consistent', () => {
    const append = concBytes(1, 9, 48, null);
    expect(readIsValid(concat(INITIAL.subarray(0, 64), new Uint8Array(32), concBytes(1, 5, 16, 96), append), 1, seeds)).toBeUndefined();
  });
  it('rejects another group\'s bytes, unknown writes, shifted records and split appends', () => {
    expect(readIsValid(concBytes(2, 1, 32, 0), 1, seeds)).toMatch(/not this group/);
    expect(readIsValid(concBytes(1, 77, 32, 0), 1, seeds)).toMatch(/never made/);
    expect(readIsValid(concat(new Uint8Array(16), concBytes(1, 5, 16, 0)), 1, seeds)).toMatch(/is at 16/);
    const append = concBytes(1, 9, 48, null);
    expect(readIsValid(concat(append.subarray(0, 16), new Uint8Array(16), append.subarray(16)), 1, seeds)).toMatch(/two places/);
    expect(readIsValid(new Uint8Array(17), 1, seeds)).toMatch(/whole number/);
  });
});
