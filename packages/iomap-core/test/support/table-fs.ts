// A filesystem for core's tests: a file described by a table of extents
// (gaps are holes), whose IomapOps record every call. Mappings can be cut
// into pieces of at most `maxMapping` bytes to get many small mappings.
import {
  IomapType,
  NULL_ADDR,
  type Iomap,
  type IomapMapping,
  type IomapOps,
  type IomapType as IomapTypeT,
} from '../../src/index.js';

export interface TableExtent {
  offset: number;
  length: number;
  type: IomapTypeT;
  addr?: number;
  flags?: number;
  inlineData?: Uint8Array;
  srcmap?: Iomap;
}

export type Call =
  | { kind: 'begin'; pos: number; length: number; op: number }
  | { kind: 'end'; pos: number; length: number; written: number; op: number; iomap: Iomap };

export interface TableFile {
  extents: TableExtent[];
  size: number;
}

export class TableFs {
  readonly calls: Call[] = [];
  /** Overrides the mapping for a begin call (by call index among begins), to test contract checks. */
  beginHook: ((pos: number, length: number, op: number, mapping: IomapMapping) => IomapMapping | Promise<IomapMapping>) | undefined;
  endHook: ((pos: number, written: number) => void | Promise<void>) | undefined;

  constructor(
    readonly file: TableFile,
    readonly maxMapping = Number.MAX_SAFE_INTEGER,
  ) {}

  get begins(): Extract<Call, { kind: 'begin' }>[] {
    return this.calls.filter((c): c is Extract<Call, { kind: 'begin' }> => c.kind === 'begin');
  }

  get ends(): Extract<Call, { kind: 'end' }>[] {
    return this.calls.filter((c): c is Extract<Call, { kind: 'end' }> => c.kind === 'end');
  }

  /** The mapping the table gives for `pos`, before any chunking. */
  lookup(pos: number): TableExtent {
    const sorted = [...this.file.extents].sort((a, b) => a.offset - b.offset);
    let holeStart = 0;
    for (const e of sorted) {
      if (pos < e.offset) return { offset: holeStart, length: e.offset - holeStart, type: IomapType.Hole };
      if (pos < e.offset + e.length) return e;
      holeStart = e.offset + e.length;
    }
    return { offset: holeStart, length: Number.MAX_SAFE_INTEGER - holeStart, type: IomapType.Hole };
  }

  mappingAt(pos: number): IomapMapping {
    const e = this.lookup(pos);
    // Cut the extent into maxMapping-sized pieces counted from its start.
    const piece = Math.floor((pos - e.offset) / this.maxMapping);
    const offset = e.offset + piece * this.maxMapping;
    const length = Math.min(this.maxMapping, e.offset + e.length - offset);
    const hasAddr = e.type === IomapType.Mapped || e.type === IomapType.Unwritten;
    const mapping: IomapMapping = {
      offset,
      length,
      addr: hasAddr ? (e.addr ?? 0) + (offset - e.offset) : NULL_ADDR,
      type: e.type,
      flags: e.flags ?? 0,
    };
    if (e.inlineData) mapping.inlineData = e.inlineData.subarray(offset - e.offset);
    if (e.srcmap) mapping.srcmap = e.srcmap;
    return mapping;
  }

  readonly ops: IomapOps<TableFs> = {
    iomapBegin: async (_inode, pos, length, op) => {
      this.calls.push({ kind: 'begin', pos, length, op });
      const mapping = this.mappingAt(pos);
      return this.beginHook ? this.beginHook(pos, length, op, mapping) : mapping;
    },
    iomapEnd: async (_inode, pos, length, written, op, iomap) => {
      this.calls.push({ kind: 'end', pos, length, written, op, iomap: { ...iomap } });
      await this.endHook?.(pos, written);
    },
  };
}

/** Builds a table of consecutive extents from [type, length] pairs, giving mapped ones distinct addresses. */
export function layout(parts: Array<[IomapTypeT, number, number?]>, size?: number): TableFile {
  const extents: TableExtent[] = [];
  let offset = 0;
  let nextAddr = 1 << 20;
  for (const [type, length, flags] of parts) {
    if (type !== IomapType.Hole) {
      const e: TableExtent = { offset, length, type, flags: flags ?? 0 };
      if (type === IomapType.Mapped || type === IomapType.Unwritten) {
        e.addr = nextAddr;
        nextAddr += length + (1 << 16);
      }
      if (type === IomapType.Inline) e.inlineData = new Uint8Array(length).fill(7);
      extents.push(e);
    }
    offset += length;
  }
  return { extents, size: size ?? offset };
}
