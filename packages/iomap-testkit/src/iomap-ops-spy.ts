// A recording wrapper around any IomapOps, so engine tests can assert on the
// exact sequence of iomapBegin/iomapEnd calls (positions, lengths, written
// counts, operation flags) — the spec's "spy ops" (CORE-5, CORE-7, CORE-11).
import { IomapFlags, IomapOp, describeIomap, type Iomap, type IomapMapping, type IomapOps } from '@iomap/core';

/**
 * One recorded call. `mapping` is a snapshot: what begin returned, or what end was given.
 *
 * @example
 * ```ts
 * const written = spy.ends.map((c: IomapCall) => c.written); // bytes done per mapping
 * ```
 */
export interface IomapCall<I = unknown> {
  kind: 'begin' | 'end';
  inode: I;
  pos: number;
  length: number;
  op: number;
  /** End only: bytes the engine reported as done. */
  written?: number;
  mapping?: IomapMapping;
  /** The error the call threw, if it did. */
  error?: unknown;
}

/** Kernel spellings that are not simply the camel-case name split at capitals. */
const KERNEL_NAMES: Readonly<Record<string, string>> = { NoWait: 'NOWAIT', DontCache: 'DONTCACHE' };

function names(value: number, table: Readonly<Record<string, number>>, none: string): string {
  const parts = Object.entries(table)
    .filter(([, bit]) => bit !== 0 && (value & bit) !== 0)
    .map(([name]) => KERNEL_NAMES[name] ?? name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase());
  return parts.length === 0 ? none : parts.join('|');
}

/**
 * Names the operation flags: `'READ'`, `'WRITE|DIRECT'`, …
 *
 * @example
 * ```ts
 * describeIomapOp(IomapOp.Write | IomapOp.NoWait); // 'WRITE|NOWAIT'
 * ```
 */
export function describeIomapOp(op: number): string {
  return names(op, IomapOp, 'READ');
}

/**
 * Names mapping flags: `'NEW|SHARED'`, or `''` for none.
 *
 * @example
 * ```ts
 * describeIomapFlags(IomapFlags.New | IomapFlags.Dirty); // 'NEW|DIRTY'
 * ```
 */
export function describeIomapFlags(flags: number): string {
  return names(flags, IomapFlags, '');
}

function snapshot(map: Iomap | IomapMapping): IomapMapping {
  const copy: IomapMapping = { ...map };
  if ('srcmap' in map && map.srcmap !== undefined) copy.srcmap = { ...map.srcmap };
  return copy;
}

/**
 * Wraps `IomapOps` and records every call in order. Pass `spy` wherever the
 * ops are expected; read `spy.calls` or the one-line-per-call `spy.trace()`.
 *
 * @example
 * ```ts
 * const spy = new IomapOpsSpy(fs);
 * await iomapLoop(new IomapIter({ inode, pos: 0, length: 8192, op: IomapOp.Report }), spy, (it) => it.advanceFull());
 * console.log(spy.trace()); // ['begin 0+8192 REPORT -> MAPPED [0, +8192) @ 4096', 'end 0+8192 REPORT written 8192']
 * ```
 */
export class IomapOpsSpy<I = unknown> implements IomapOps<I> {
  readonly calls: IomapCall<I>[] = [];

  constructor(readonly inner: IomapOps<I>) {}

  async iomapBegin(inode: I, pos: number, length: number, op: number): Promise<IomapMapping> {
    const call: IomapCall<I> = { kind: 'begin', inode, pos, length, op };
    this.calls.push(call);
    try {
      const mapping = await this.inner.iomapBegin(inode, pos, length, op);
      call.mapping = snapshot(mapping);
      return mapping;
    } catch (err) {
      call.error = err;
      throw err;
    }
  }

  async iomapEnd(inode: I, pos: number, length: number, written: number, op: number, iomap: Iomap): Promise<void> {
    const call: IomapCall<I> = { kind: 'end', inode, pos, length, op, written, mapping: snapshot(iomap) };
    this.calls.push(call);
    try {
      await this.inner.iomapEnd?.(inode, pos, length, written, op, iomap);
    } catch (err) {
      call.error = err;
      throw err;
    }
  }

  /** The begin calls only. */
  get begins(): IomapCall<I>[] {
    return this.calls.filter((c) => c.kind === 'begin');
  }

  /** The end calls only. */
  get ends(): IomapCall<I>[] {
    return this.calls.filter((c) => c.kind === 'end');
  }

  /** Forgets the recorded calls. */
  clear(): void {
    this.calls.length = 0;
  }

  /** One line per call: `begin 0+4096 WRITE -> MAPPED [0, +8192) @ 4096 NEW`, `end 0+4096 WRITE written 100`. */
  trace(): string[] {
    return this.calls.map((c) => {
      const head = `${c.kind} ${c.pos}+${c.length} ${describeIomapOp(c.op)}`;
      if (c.error !== undefined) return `${head} ! ${c.error instanceof Error ? c.error.message : String(c.error)}`;
      if (c.kind === 'end') return `${head} written ${String(c.written)}`;
      const map = c.mapping as IomapMapping;
      const flags = describeIomapFlags(map.flags);
      const src = map.srcmap === undefined ? '' : ` src ${describeIomap(map.srcmap)}`;
      return `${head} -> ${describeIomap(map)}${flags ? ` ${flags}` : ''}${src}`;
    });
  }
}
