// The open-file table on its own: descriptors from 3, lowest free first,
// EBADF for descriptors that are not open, EMFILE at the limit.
import { describe, expect, it } from 'vitest';
import { OpenFileTable } from '../src/index.js';

describe('OpenFileTable', () => {
  it('hands out the lowest free descriptor and forgets closed ones', () => {
    const table = new OpenFileTable<string>();
    const a = table.open('inode-a', 0, '/a');
    const b = table.open('inode-b', 0, '/b');
    expect([a.fd, b.fd, table.size]).toEqual([3, 4, 2]);
    expect(table.get(4, 'read')).toBe(b);
    expect(table.close(3)).toBe(a);
    expect(table.open('inode-c', 0, '/c').fd).toBe(3);
  });

  it('answers EBADF for descriptors that are not open, naming the syscall', () => {
    const table = new OpenFileTable<string>();
    const file = table.open('x', 0, '/x');
    table.close(file.fd);
    expect(() => table.get(file.fd, 'read')).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'read' }));
    expect(() => table.close(file.fd)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
    expect(() => table.get(0, 'fstat')).toThrow('EBADF: bad file descriptor, fstat');
  });

  it('refuses more than maxOpenFiles with EMFILE', () => {
    const table = new OpenFileTable<string>({ maxOpenFiles: 1 });
    table.open('x', 0, '/x');
    expect(() => table.open('y', 0, '/y')).toThrow("EMFILE: too many open files, open '/y'");
  });

  it('keeps a position per open file', () => {
    const table = new OpenFileTable<string>();
    const first = table.open('x', 0, '/x');
    const second = table.open('x', 0, '/x');
    first.position = 10;
    expect(second.position).toBe(0);
  });
});
