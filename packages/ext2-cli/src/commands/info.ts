// info [--json] IMAGE — the superblock and features, like `dumpe2fs -h`:
// the same keys and, where both print a value, the same value (times in
// UTC). Reads only the superblock, so it also describes images that mount
// refuses (unsupported features, not cleanly unmounted).
import { FS_STATE, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, decodeSuperblock, describeFeatures, formatUuid, lastMountedPath, volumeLabel, type Superblock } from '@iomap/ext2-lite';
import { parseImageOperand } from '../address/image-address.js';
import { openImageDevice } from '../address/open-image.js';
import { about } from '../cli/error-report.js';
import { examples, type VerbDefinition } from '../cli/verb.js';
import { superblockTime } from '../show/time-text.js';

const HASH_NAMES = ['legacy', 'half_md4', 'tea', 'legacy_unsigned', 'half_md4_unsigned', 'tea_unsigned'];
const OS_NAMES = ['Linux', 'Hurd', 'Masix', 'FreeBSD', 'Lites'];
const ERRORS_NAMES: Record<number, string> = { 1: 'Continue', 2: 'Remount read-only', 3: 'Panic' };
const MOUNT_OPTION_NAMES: [number, string][] = [
  [0x1, 'debug'],
  [0x2, 'bsdgroups'],
  [0x4, 'user_xattr'],
  [0x8, 'acl'],
  [0x10, 'uid16'],
];
const FLAG_NAMES: [number, string][] = [
  [0x1, 'signed_directory_hash'],
  [0x2, 'unsigned_directory_hash'],
  [0x4, 'test_filesystem'],
];

const namesOf = (word: number, table: [number, string][]): string[] => table.filter(([bit]) => (word & bit) !== 0).map(([, name]) => name);

function stateText(state: number): string {
  const base = (state & FS_STATE.VALID_FS) !== 0 ? 'clean' : 'not clean';
  return (state & FS_STATE.ERROR_FS) !== 0 ? `${base} with errors` : base;
}

/** The report as [dumpe2fs key, printed value, JSON key, JSON value] rows. */
function reportRows(sb: Superblock): [string, string, string, unknown][] {
  const bs = 1024 * 2 ** sb.logBlockSize;
  const inodeSize = sb.revLevel === 0 ? 128 : sb.inodeSize;
  const features = describeFeatures({ compat: sb.featureCompat, incompat: sb.featureIncompat, roCompat: sb.featureRoCompat });
  const flags = namesOf(sb.flags, FLAG_NAMES);
  const mountOptions = namesOf(sb.defaultMountOpts, MOUNT_OPTION_NAMES);
  const hashSeed = formatUuid(Uint8Array.from(sb.hashSeed.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24])));
  const lastMounted = lastMountedPath(sb);
  const time = (s: number): string => superblockTime(s);
  const iso = (s: number): string | null => (s === 0 ? null : new Date(s * 1000).toISOString());
  const rows: [string, string, string, unknown][] = [
    ['Filesystem volume name', volumeLabel(sb) || '<none>', 'label', volumeLabel(sb)],
    ['Last mounted on', lastMounted || '<not available>', 'lastMounted', lastMounted],
    ['Filesystem UUID', formatUuid(sb.uuid), 'uuid', formatUuid(sb.uuid)],
    ['Filesystem magic number', `0x${sb.magic.toString(16).toUpperCase()}`, 'magic', sb.magic],
    ['Filesystem revision #', `${sb.revLevel} (${sb.revLevel === 0 ? 'original' : 'dynamic'})`, 'revision', sb.revLevel],
    ['Filesystem features', features.join(' ') || '(none)', 'features', features],
  ];
  if (flags.length > 0) rows.push(['Filesystem flags', `${flags.join(' ')} `, 'flags', flags]);
  rows.push(
    ['Default mount options', mountOptions.join(' ') || '(none)', 'defaultMountOptions', mountOptions],
    ['Filesystem state', stateText(sb.state), 'state', stateText(sb.state)],
    ['Errors behavior', ERRORS_NAMES[sb.errors] ?? 'Unknown (continue)', 'errorsBehavior', ERRORS_NAMES[sb.errors] ?? 'Unknown'],
    ['Filesystem OS type', OS_NAMES[sb.creatorOs] ?? '(unknown os)', 'osType', OS_NAMES[sb.creatorOs] ?? 'unknown'],
    ['Inode count', String(sb.inodesCount), 'inodeCount', sb.inodesCount],
    ['Block count', String(sb.blocksCount), 'blockCount', sb.blocksCount],
    ['Reserved block count', String(sb.rBlocksCount), 'reservedBlockCount', sb.rBlocksCount],
  );
  if (sb.overheadClusters !== 0) rows.push(['Overhead clusters', String(sb.overheadClusters), 'overheadClusters', sb.overheadClusters]);
  rows.push(
    ['Free blocks', String(sb.freeBlocksCount), 'freeBlocks', sb.freeBlocksCount],
    ['Free inodes', String(sb.freeInodesCount), 'freeInodes', sb.freeInodesCount],
    ['First block', String(sb.firstDataBlock), 'firstBlock', sb.firstDataBlock],
    ['Block size', String(bs), 'blockSize', bs],
    ['Fragment size', String(1024 * 2 ** sb.logFragSize), 'fragmentSize', 1024 * 2 ** sb.logFragSize],
  );
  if (sb.reservedGdtBlocks !== 0) rows.push(['Reserved GDT blocks', String(sb.reservedGdtBlocks), 'reservedGdtBlocks', sb.reservedGdtBlocks]);
  rows.push(
    ['Blocks per group', String(sb.blocksPerGroup), 'blocksPerGroup', sb.blocksPerGroup],
    ['Fragments per group', String(sb.fragsPerGroup), 'fragmentsPerGroup', sb.fragsPerGroup],
    ['Inodes per group', String(sb.inodesPerGroup), 'inodesPerGroup', sb.inodesPerGroup],
    ['Inode blocks per group', String(Math.ceil((sb.inodesPerGroup * inodeSize) / bs)), 'inodeBlocksPerGroup', Math.ceil((sb.inodesPerGroup * inodeSize) / bs)],
  );
  if (sb.mkfsTime !== 0) rows.push(['Filesystem created', time(sb.mkfsTime), 'created', iso(sb.mkfsTime)]);
  rows.push(
    ['Last mount time', time(sb.mtime), 'lastMountTime', iso(sb.mtime)],
    ['Last write time', time(sb.wtime), 'lastWriteTime', iso(sb.wtime)],
    ['Mount count', String(sb.mntCount), 'mountCount', sb.mntCount],
    ['Maximum mount count', String(sb.maxMntCount), 'maximumMountCount', sb.maxMntCount],
    ['Last checked', time(sb.lastCheck), 'lastChecked', iso(sb.lastCheck)],
    ['Check interval', `${sb.checkInterval} (${sb.checkInterval === 0 ? '<none>' : `${sb.checkInterval} seconds`})`, 'checkInterval', sb.checkInterval],
    ['Reserved blocks uid', String(sb.defResuid), 'reservedBlocksUid', sb.defResuid],
    ['Reserved blocks gid', String(sb.defResgid), 'reservedBlocksGid', sb.defResgid],
  );
  if (sb.revLevel >= 1) {
    rows.push(['First inode', String(sb.firstIno), 'firstInode', sb.firstIno], ['Inode size', String(inodeSize), 'inodeSize', inodeSize]);
    if (inodeSize > 128) {
      rows.push(['Required extra isize', String(sb.minExtraIsize), 'requiredExtraIsize', sb.minExtraIsize]);
      rows.push(['Desired extra isize', String(sb.wantExtraIsize), 'desiredExtraIsize', sb.wantExtraIsize]);
    }
  }
  if (sb.journalInum !== 0) rows.push(['Journal inode', String(sb.journalInum), 'journalInode', sb.journalInum]);
  rows.push(['Default directory hash', HASH_NAMES[sb.defHashVersion] ?? String(sb.defHashVersion), 'defaultDirectoryHash', HASH_NAMES[sb.defHashVersion] ?? sb.defHashVersion]);
  rows.push(['Directory Hash Seed', hashSeed, 'directoryHashSeed', hashSeed]);
  return rows;
}

export const defineInfo: VerbDefinition = (program, run) => {
  program
    .command('info')
    .summary('show the superblock and features (like dumpe2fs -h)')
    .argument('<IMAGE>', 'the image (IMAGE?offset=N, --partition and --offset select a filesystem inside it)')
    .addHelpText('after', examples('ext2-lite info disk.img', 'ext2-lite info --partition 2 --json sdcard.img'))
    .action(
      run('info', async ({ ctx, operands }) => {
        const address = parseImageOperand(operands[0] as string, ctx.io.cwd);
        await about({ image: address.image }, async () => {
          const { file, device } = await openImageDevice(ctx, address, false);
          try {
            const raw = new Uint8Array(SUPERBLOCK_SIZE);
            await device.read(SUPERBLOCK_OFFSET, raw);
            const rows = reportRows(decodeSuperblock(raw));
            if (ctx.options.json) ctx.out(`${JSON.stringify(Object.fromEntries(rows.map((r) => [r[2], r[3]])), null, 2)}\n`);
            else for (const [key, value] of rows) ctx.out(`${`${key}:`.padEnd(26)}${value}\n`);
          } finally {
            await file.close();
          }
        });
      }),
    );
};
