// Puts a planned filesystem on the device (see mkfs.ts for the order and why).
//
//   1. clear the way: discard the filesystem's range when asked (mke2fs's
//      default), or wipe what `mke2fs -E nodiscard` wipes: the old primary
//      superblock first, the boot area (unless it holds a BSD disklabel) and
//      the last 64-128 KiB of the filesystem (old MD RAID metadata)
//   2. every group's pieces (group-pieces.ts) as large writes; zero pieces
//      (inode tables, backup reserved GDT blocks) are written only where the
//      device does not already read as zero (zero-scan.ts: a fresh sparse
//      image stays sparse), and never with assumeZeroed
//   3. flush, then group 0's superblock block (with the 1 KiB boot area
//      before the superblock), then flush again
import type { BlockDevice } from '@iomap/core';
import { viewOf } from '../format/fields.js';
import { SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE } from '../format/superblock.js';
import { allocatedByGroup, groupPieces, type Piece } from './group-pieces.js';
import type { ImagePlan } from './mkfs.js';
import { RunWriter } from './run-writer.js';
import { readsAsZero } from './zero-scan.js';

export interface WriteImageOptions {
  readonly discard: boolean;
  readonly assumeZeroed: boolean;
}

/** BSD disklabel magic at byte 64 of sector 0 (either byte order); mke2fs leaves such a boot area alone. */
const BSD_DISKMAGIC = [0x82564557, 0x57455682];
/** mke2fs wipes the filesystem's tail aligned to this many bytes (MD RAID superblock alignment). */
const TAIL_WIPE_BYTES = 65536;
/** Scratch buffer for reading back a range that must be zero (one per group being checked). */
const SCAN_BYTES = 1024 * 1024;
/** Groups whose zero ranges are read back at the same time. */
const GROUPS_PER_BATCH = 8;

/** How zero pieces are handled: dropped unread (assumeZeroed) or written where the device is not zero. */
type ZeroPolicy = 'skip' | 'verify';

async function hasBsdDisklabel(device: BlockDevice): Promise<boolean> {
  const sector = new Uint8Array(512);
  await device.read(0, sector);
  return BSD_DISKMAGIC.includes(viewOf(sector).getUint32(64, true));
}

/** First block of the range mke2fs zeroes at the end of the filesystem. */
function tailWipeStart(blocksCount: number, blockSize: number): number {
  const align = TAIL_WIPE_BYTES / blockSize;
  let start = blocksCount - (blocksCount % align);
  if (start > align) start -= align;
  return start;
}

/** Step 1. Returns whether the boot area must be kept and how zero pieces are handled. */
async function clearTheWay(device: BlockDevice, plan: ImagePlan, opts: WriteImageOptions): Promise<{ keepBoot: boolean; zeros: ZeroPolicy }> {
  const { blockSize, blocksCount } = plan.layout;
  if (opts.assumeZeroed) return { keepBoot: false, zeros: 'skip' };
  if (opts.discard && device.discard !== undefined) {
    await device.discard(0, blocksCount * blockSize);
    return { keepBoot: false, zeros: 'verify' };
  }
  const keepBoot = await hasBsdDisklabel(device);
  await device.write(SUPERBLOCK_OFFSET, new Uint8Array(SUPERBLOCK_SIZE));
  const start = tailWipeStart(blocksCount, blockSize);
  const tailBytes = (blocksCount - start) * blockSize;
  if (start > 0 && !(await readsAsZero(device, start * blockSize, tailBytes, new Uint8Array(tailBytes)))) {
    const tail = new RunWriter(device, blockSize);
    tail.addZeros(start, blocksCount - start);
    await tail.drain();
  }
  return { keepBoot, zeros: 'verify' };
}

/** The primary superblock's block (and the boot area before it), written last. */
function superblockArea(plan: ImagePlan, keepBoot: boolean): { pos: number; bytes: Uint8Array } {
  const end = Math.max(plan.layout.blockSize, SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE);
  const area = new Uint8Array(end);
  area.set(plan.superblock, SUPERBLOCK_OFFSET);
  return keepBoot ? { pos: SUPERBLOCK_OFFSET, bytes: area.subarray(SUPERBLOCK_OFFSET) } : { pos: 0, bytes: area };
}

/** Drops zero pieces the policy says need no write. */
async function piecesToWrite(device: BlockDevice, pieces: Piece[], policy: ZeroPolicy, blockSize: number, scratch: Uint8Array): Promise<Piece[]> {
  const out: Piece[] = [];
  for (const piece of pieces) {
    if (!('zeroBlocks' in piece)) out.push(piece);
    else if (policy === 'verify' && !(await readsAsZero(device, piece.block * blockSize, piece.zeroBlocks * blockSize, scratch))) out.push(piece);
  }
  return out;
}

/** What step 1 decided, for step 2. */
export interface PreparedDevice {
  readonly keepBoot: boolean;
  readonly zeros: ZeroPolicy;
}

/**
 * Step 1 alone: discard, or wipe the old superblock and the tail. The
 * image builder runs it before writing file data, then {@link writePlan}.
 */
export function prepareDevice(device: BlockDevice, plan: ImagePlan, opts: WriteImageOptions): Promise<PreparedDevice> {
  return clearTheWay(device, plan, opts);
}

/**
 * Writes `plan` to `device` and flushes. Precondition: the device holds
 * the plan's s_blocks_count blocks and is writable.
 */
export async function writeImage(device: BlockDevice, plan: ImagePlan, opts: WriteImageOptions): Promise<void> {
  await writePlan(device, plan, await clearTheWay(device, plan, opts));
}

/** Steps 2 and 3: every group's metadata and the plan's blocks, flush, the primary superblock, flush. */
export async function writePlan(device: BlockDevice, plan: ImagePlan, prepared: PreparedDevice): Promise<void> {
  const { blockSize, groupCount } = plan.layout;
  const { keepBoot, zeros } = prepared;
  const writer = new RunWriter(device, blockSize);
  const allocated = allocatedByGroup(plan);
  const scratch: Uint8Array[] = [];
  for (let first = 0; first < groupCount; first += GROUPS_PER_BATCH) {
    // Read back a batch of groups at once, then queue their writes in block order.
    const groups = Array.from({ length: Math.min(GROUPS_PER_BATCH, groupCount - first) }, (_, i) => first + i);
    const batch = await Promise.all(
      groups.map((group, i) => piecesToWrite(device, groupPieces(plan, group, allocated.get(group) ?? []), zeros, blockSize, (scratch[i] ??= new Uint8Array(SCAN_BYTES)))),
    );
    for (const pieces of batch) {
      for (const piece of pieces) {
        if ('zeroBlocks' in piece) writer.addZeros(piece.block, piece.zeroBlocks);
        else writer.add(piece.block, piece.data);
      }
    }
    await writer.throttle();
  }
  await writer.drain();
  await device.flush();
  const { pos, bytes } = superblockArea(plan, keepBoot);
  await device.write(pos, bytes);
  await device.flush();
}
