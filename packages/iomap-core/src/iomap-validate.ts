// Sanity checks on what a filesystem's iomapBegin returned (CORE-1, CORE-4,
// CORE-13). A violation is a bug in the filesystem; it is reported as an
// IomapContractError naming the rule instead of corrupting data later.
import { IomapContractError } from './errors.js';
import {
  IOMAP_FLAGS_MASK,
  IOMAP_FLAGS_SET_BY_IOMAP,
  IomapFlags,
  IomapType,
  NULL_ADDR,
  describeIomap,
  type Iomap,
} from './iomap.js';

const VALID_TYPES: ReadonlySet<number> = new Set(Object.values(IomapType));

/**
 * Checks one mapping record on its own (CORE-1): a known type, a positive
 * length, an address only where the type has one (NULL_ADDR for HOLE,
 * DELALLOC and INLINE; a device address for MAPPED and UNWRITTEN unless
 * AnonWrite), inline data covering the mapping, and no iomap-only flags.
 *
 * @example
 * ```ts
 * validateIomap({ offset: 0, length: 0, addr: NULL_ADDR, type: IomapType.Hole, flags: 0 }, 'begin');
 * // throws IomapContractError (CORE-1: length must be positive)
 * ```
 */
export function validateIomap(map: Iomap, what: string): void {
  const problem = iomapProblem(map);
  if (problem !== undefined) {
    throw new IomapContractError(problem[0], problem[1], `${what} returned ${describeIomapSafe(map)}`);
  }
}

/** The first CORE-1..CORE-4 rule `map` breaks, as [spec id, rule], or undefined when it is valid. */
function iomapProblem(map: Iomap): readonly [string, string] | undefined {
  if (!VALID_TYPES.has(map.type)) return ['CORE-2', 'type must be one of HOLE, DELALLOC, MAPPED, UNWRITTEN, INLINE'];
  if (!Number.isSafeInteger(map.length) || map.length <= 0) return ['CORE-1', 'length must be a positive integer'];
  if (!Number.isSafeInteger(map.offset) || map.offset < 0) return ['CORE-1', 'offset must be a non-negative integer'];
  if (map.offset + map.length > Number.MAX_SAFE_INTEGER) return ['CORE-1', 'the mapping must end below 2^53'];
  if (!Number.isSafeInteger(map.flags) || (map.flags & ~IOMAP_FLAGS_MASK) !== 0) {
    return ['CORE-3', 'flags must be a 16-bit set of IomapFlags'];
  }
  if (map.flags & IOMAP_FLAGS_SET_BY_IOMAP) {
    return ['CORE-4', 'a filesystem must not set STALE, SIZE_CHANGED or FOLIO_BATCH; only iomap sets them'];
  }
  const hasAddress = map.type === IomapType.Mapped || map.type === IomapType.Unwritten;
  if (hasAddress) {
    const anonymous = (map.flags & IomapFlags.AnonWrite) !== 0;
    if (!(anonymous && map.addr === NULL_ADDR) && (!Number.isSafeInteger(map.addr) || map.addr < 0)) {
      return ['CORE-1', 'MAPPED and UNWRITTEN need a device address (NULL_ADDR only with AnonWrite)'];
    }
  } else if (map.addr !== NULL_ADDR) {
    return ['CORE-1', 'HOLE, DELALLOC and INLINE mappings have addr NULL_ADDR'];
  }
  if (map.type === IomapType.Inline && (map.inlineData === undefined || map.inlineData.length < map.length)) {
    return ['CORE-2', 'an INLINE mapping needs inlineData covering its whole length'];
  }
  return undefined;
}

/**
 * Whether {@link validateMappingAt} would accept `map` for `pos`, without
 * building an error: the iterator's hot path.
 */
export function mappingIsValidAt(map: Iomap, pos: number): boolean {
  return iomapProblem(map) === undefined && map.offset <= pos && pos < map.offset + map.length;
}

/**
 * Checks a mapping returned for position `pos` (CORE-13): valid on its own and
 * containing `pos`. A source map must contain `pos` too: it describes where
 * the same file bytes are read from.
 */
export function validateMappingAt(map: Iomap, pos: number, what: string): void {
  validateIomap(map, what);
  if (map.offset > pos || map.offset + map.length <= pos) {
    throw new IomapContractError(
      'CORE-13',
      'the mapping must contain the requested position',
      `${what} for position ${pos} returned ${describeIomap(map)}`,
    );
  }
}

function describeIomapSafe(map: Iomap): string {
  try {
    return describeIomap(map);
  } catch {
    return JSON.stringify({ offset: map.offset, length: map.length, addr: map.addr, type: map.type });
  }
}
