// A BlockDevice wrapper for hostile-device tests: injected errors on chosen
// ranges or after N operations, torn writes, latency, and out-of-range
// detection that both throws and remembers, so a test can fail loudly even
// when the code under test swallowed the error.
//
// Rules are checked in order for each operation. A rule matches by operation
// kind, byte range and count; `delay` rules sleep and let later rules run,
// `error` and `torn` rules end the operation with an FsError.
import { FsError, checkRange, totalLength, type BlockDevice, type ErrnoCode } from '@iomap/core';
import { SeededRandom } from './seeded-random.js';

/**
 * A device operation a rule can match.
 *
 * @example
 * ```ts
 * const ops: DeviceOpKind[] = ['write', 'flush'];
 * ```
 */
export type DeviceOpKind = 'read' | 'write' | 'flush' | 'discard';

/** What every rule matches on. */
interface RuleMatch {
  /** Operations the rule applies to. Default: every kind the rule can affect. */
  ops?: readonly DeviceOpKind[];
  /** Only operations overlapping this byte range (a flush has no range, so it never matches a ranged rule). */
  range?: { pos: number; length: number };
  /** Let this many matching operations through first ("after N operations"). Default 0. */
  after?: number;
  /** Fire at most this many times. Default: every time. */
  times?: number;
}

/**
 * One fault: `error` fails the operation (default `EIO`), `torn` persists only
 * the first `persistSectors` sectors of a write and then fails it with `EIO`,
 * `delay` waits `ms` (plus up to `jitterMs`, seeded) before the operation.
 *
 * @example
 * ```ts
 * const rules: FaultRule[] = [
 *   { kind: 'error', ops: ['read'], range: { pos: 8192, length: 4096 } },
 *   { kind: 'torn', after: 3, times: 1, persistSectors: 2 },
 *   { kind: 'delay', ms: 1 },
 * ];
 * ```
 */
export type FaultRule =
  | (RuleMatch & { kind: 'error'; code?: ErrnoCode })
  | (RuleMatch & { kind: 'torn'; persistSectors?: number })
  | (RuleMatch & { kind: 'delay'; ms: number; jitterMs?: number });

/**
 * Options of a {@link FaultDevice}.
 *
 * @example
 * ```ts
 * new FaultDevice(inner, [], { sectorSize: 4096, seed: 1 });
 * ```
 */
export interface FaultDeviceOptions {
  /** Unit of torn writes. Default: the inner device's logical block size. */
  sectorSize?: number;
  /** Seed for delay jitter. Default 1. */
  seed?: number;
}

/**
 * An access outside the device (or with invalid numbers) seen by a {@link FaultDevice}.
 *
 * @example
 * ```ts
 * for (const v of dev.violations) console.log(v.op, v.pos, v.length, v.message);
 * ```
 */
export interface DeviceViolation {
  op: DeviceOpKind;
  pos: number;
  length: number;
  message: string;
}

/**
 * Operation counts of a {@link FaultDevice}.
 *
 * @example
 * ```ts
 * expect(dev.counters.flushes).toBe(1);
 * ```
 */
export interface FaultDeviceCounters {
  reads: number;
  writes: number;
  flushes: number;
  discards: number;
  bytesRead: number;
  bytesWritten: number;
  /** Operations failed by `error` or `torn` rules. */
  injectedErrors: number;
  tornWrites: number;
  delays: number;
}

/**
 * Thrown by {@link FaultDevice.assertNoViolations}: lists every out-of-range access.
 *
 * @example
 * ```ts
 * try { dev.assertNoViolations(); } catch (e) { if (e instanceof DeviceViolationError) console.log(e.violations); }
 * ```
 */
export class DeviceViolationError extends FsError {
  readonly violations: readonly DeviceViolation[];

  constructor(violations: readonly DeviceViolation[]) {
    const list = violations.map((v) => `  ${v.op} ${v.pos}+${v.length}: ${v.message}`).join('\n');
    super('EIO', `${violations.length} device access violation(s); the code under test reached outside the device:\n${list}`);
    this.name = 'DeviceViolationError';
    this.violations = [...violations];
  }
}

/**
 * An installed rule, as returned by {@link FaultDevice.addRule}: how often it
 * matched and fired, and a way to remove it alone.
 *
 * @example
 * ```ts
 * const rule = dev.addRule({ kind: 'error', ops: ['write'], times: 1 });
 * await fsync();
 * if (rule.fired > 0) expectReportedError();
 * rule.remove();
 * ```
 */
export interface FaultRuleHandle {
  readonly rule: FaultRule;
  /** Matching operations seen (including the ones let through by `after`). */
  readonly seen: number;
  /** Times the rule fired (slept, failed or tore an operation). */
  readonly fired: number;
  /** Whether the rule is still installed. */
  readonly installed: boolean;
  /** Uninstalls the rule; operations still in flight stop seeing it too. */
  remove(): void;
}

class RuleState implements FaultRuleHandle {
  seen = 0;
  fired = 0;
  installed = true;

  constructor(
    readonly rule: FaultRule,
    private readonly detach: (state: RuleState) => void,
  ) {}

  remove(): void {
    this.installed = false;
    this.detach(this);
  }
}

const timers = globalThis as unknown as { setTimeout(callback: () => void, ms: number): unknown };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}

function overlaps(rule: FaultRule, pos: number, length: number): boolean {
  if (rule.range === undefined) return true;
  const end = rule.range.pos + rule.range.length;
  return pos < end && rule.range.pos < pos + Math.max(length, 1);
}

/**
 * Wraps a BlockDevice and injects faults by rule. Accesses outside the
 * device are recorded as violations *and* thrown (EIO past the end, EINVAL
 * for invalid numbers), so {@link assertNoViolations} catches them even when
 * the caller swallowed the error.
 *
 * @example
 * ```ts
 * const dev = new FaultDevice(new MemoryBlockDevice({ size: 1 << 20 }), [
 *   { kind: 'error', ops: ['write'], after: 10 }, // the 11th write and every one after fail with EIO
 * ]);
 * await runMyFilesystem(dev);
 * dev.assertNoViolations();
 * ```
 */
export class FaultDevice implements BlockDevice {
  readonly counters: FaultDeviceCounters = {
    reads: 0,
    writes: 0,
    flushes: 0,
    discards: 0,
    bytesRead: 0,
    bytesWritten: 0,
    injectedErrors: 0,
    tornWrites: 0,
    delays: 0,
  };
  readonly violations: DeviceViolation[] = [];
  private rules: RuleState[] = [];
  private readonly sectorSize: number;
  private readonly rng: SeededRandom;

  constructor(
    readonly inner: BlockDevice,
    rules: readonly FaultRule[] = [],
    options: FaultDeviceOptions = {},
  ) {
    this.sectorSize = options.sectorSize ?? inner.logicalBlockSize;
    this.rng = new SeededRandom(options.seed ?? 1);
    for (const rule of rules) this.addRule(rule);
  }

  get size(): number {
    return this.inner.size;
  }

  get logicalBlockSize(): number {
    return this.inner.logicalBlockSize;
  }

  get readOnly(): boolean {
    return this.inner.readOnly;
  }

  /** Adds a rule (after the existing ones); the handle tells whether it fired and removes it. */
  addRule(rule: FaultRule): FaultRuleHandle {
    const state = new RuleState(rule, (removed) => {
      this.rules = this.rules.filter((s) => s !== removed);
    });
    this.rules.push(state);
    return state;
  }

  /**
   * Removes every rule: the device behaves like its inner device again —
   * also for operations already in flight (sleeping in a `delay` rule), which
   * skip the removed rules after they wake.
   */
  clearRules(): void {
    for (const state of this.rules) state.installed = false;
    this.rules = [];
  }

  /** Throws a {@link DeviceViolationError} if any access went outside the device. */
  assertNoViolations(): void {
    if (this.violations.length > 0) throw new DeviceViolationError(this.violations);
  }

  async read(pos: number, buffer: Uint8Array): Promise<void> {
    await this.enter('read', pos, buffer.length);
    await this.inner.read(pos, buffer);
    this.counters.bytesRead += buffer.length;
  }

  async readv(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    const length = totalLength(buffers);
    await this.enter('read', pos, length);
    await this.inner.readv(pos, buffers);
    this.counters.bytesRead += length;
  }

  async write(pos: number, data: Uint8Array): Promise<void> {
    await this.enter('write', pos, data.length, data);
    await this.inner.write(pos, data);
    this.counters.bytesWritten += data.length;
  }

  async writev(pos: number, buffers: readonly Uint8Array[]): Promise<void> {
    const length = totalLength(buffers);
    const joined = (): Uint8Array => {
      const all = new Uint8Array(length);
      let at = 0;
      for (const b of buffers) {
        all.set(b, at);
        at += b.length;
      }
      return all;
    };
    await this.enter('write', pos, length, joined);
    await this.inner.writev(pos, buffers);
    this.counters.bytesWritten += length;
  }

  async flush(): Promise<void> {
    await this.enter('flush', 0, 0);
    await this.inner.flush();
  }

  async discard(pos: number, length: number): Promise<void> {
    await this.enter('discard', pos, length);
    if (this.inner.discard === undefined) {
      throw new FsError('EOPNOTSUPP', 'the inner device does not support discard', { syscall: 'discard' });
    }
    await this.inner.discard(pos, length);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  /** Counts the operation, checks its range, then applies the rules in order. */
  private async enter(op: DeviceOpKind, pos: number, length: number, data?: Uint8Array | (() => Uint8Array)): Promise<void> {
    const counter = ({ read: 'reads', write: 'writes', flush: 'flushes', discard: 'discards' } as const)[op];
    this.counters[counter]++;
    if (op !== 'flush') this.checkBounds(op, pos, length);
    // A delay rule sleeps inside this loop; a rule removed meanwhile must not
    // fire on the operation afterwards (the exerciser saw a background read,
    // delayed past the end of the read op that armed a one-shot EIO, consume
    // that rule during a later fsync).
    for (const state of this.rules) {
      if (!state.installed) continue;
      const { rule } = state;
      const kinds = rule.ops ?? (rule.kind === 'torn' ? ['write'] : ['read', 'write', 'flush', 'discard']);
      if (!kinds.includes(op) || (op === 'flush' && rule.range !== undefined) || !overlaps(rule, pos, length)) continue;
      state.seen++;
      if (state.seen <= (rule.after ?? 0) || state.fired >= (rule.times ?? Infinity)) continue;
      state.fired++;
      await this.fire(rule, op, pos, length, data);
    }
  }

  private async fire(
    rule: FaultRule,
    op: DeviceOpKind,
    pos: number,
    length: number,
    data: Uint8Array | (() => Uint8Array) | undefined,
  ): Promise<void> {
    const where = op === 'flush' ? '' : ` of ${length} bytes at ${pos}`;
    if (rule.kind === 'delay') {
      this.counters.delays++;
      await sleep(rule.ms + (rule.jitterMs ? this.rng.int(0, rule.jitterMs + 1) : 0));
      return;
    }
    this.counters.injectedErrors++;
    if (rule.kind === 'torn' && op === 'write' && data !== undefined) {
      const bytes = typeof data === 'function' ? data() : data;
      const sectors = rule.persistSectors ?? Math.floor(bytes.length / this.sectorSize / 2);
      const keep = Math.min(bytes.length, sectors * this.sectorSize);
      if (keep > 0) await this.inner.write(pos, bytes.subarray(0, keep));
      this.counters.tornWrites++;
      throw new FsError('EIO', `injected torn write${where}: only the first ${keep} bytes reached the device`, {
        syscall: op,
      });
    }
    const code = rule.kind === 'error' ? (rule.code ?? 'EIO') : 'EIO';
    throw new FsError(code, `injected fault on ${op}${where}`, { syscall: op });
  }

  private checkBounds(op: DeviceOpKind, pos: number, length: number): void {
    try {
      checkRange(pos, length, op);
      if (pos + length > this.inner.size) {
        throw new FsError('EIO', `${op} of ${length} bytes at ${pos} reaches past the end of the device (size ${this.inner.size})`, {
          syscall: op,
        });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.violations.push({ op, pos, length, message });
      throw err;
    }
  }
}
