// The tree most resolution tests walk, with every kind of awkward symlink.
import { MemoryFs } from './memory-fs.js';

/**
 * /
 *   a/            b/ (file "data"), link-b -> b, link-up -> ..
 *   file.txt      "hello"
 *   abs-link -> /a/b/file         rel-link -> a/b/file
 *   dir-link -> a                 dir-link-slash -> a/
 *   file-link-slash -> file.txt/  dangling -> nowhere
 *   empty-target -> ''            loop1 -> loop2 -> loop1      self -> self
 *   dotdot-link -> a/b/..         root-link -> /
 *   dev-c (char 1:3), fifo, sock
 *   private/ (0700, uid 0)  secret
 */
export function sampleTree(options: { readOnly?: boolean; writable?: boolean } = {}): MemoryFs {
  const fs = new MemoryFs(options);
  fs.addDirectory('a');
  fs.addDirectory('a/b');
  fs.addFile('a/b/file', 'data');
  fs.addSymlink('b', 'a/link-b');
  fs.addSymlink('..', 'a/link-up');
  fs.addFile('file.txt', 'hello');
  fs.addSymlink('/a/b/file', 'abs-link');
  fs.addSymlink('a/b/file', 'rel-link');
  fs.addSymlink('a', 'dir-link');
  fs.addSymlink('a/', 'dir-link-slash');
  fs.addSymlink('file.txt/', 'file-link-slash');
  fs.addSymlink('nowhere', 'dangling');
  fs.addSymlink('', 'empty-target');
  fs.addSymlink('loop2', 'loop1');
  fs.addSymlink('loop1', 'loop2');
  fs.addSymlink('self', 'self');
  fs.addSymlink('a/b/..', 'dotdot-link');
  fs.addSymlink('/', 'root-link');
  fs.addNode('dev-c', 'char', 0x103);
  fs.addNode('fifo', 'fifo');
  fs.addNode('sock', 'socket');
  fs.addDirectory('private', { mode: 0o700 });
  fs.addFile('private/secret', 'shh', { mode: 0o600 });
  return fs;
}
