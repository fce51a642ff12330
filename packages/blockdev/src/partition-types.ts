// Well-known partition type codes, so callers can write
// `openPartition(dev, { type: GPT_PARTITION_TYPES.linuxFilesystem })`
// instead of a bare GUID. GUIDs from the UEFI spec and the Discoverable
// Partitions Specification; MBR bytes as `sfdisk --list-types` names them.

/**
 * GPT partition type GUIDs (upper case, as {@link GptPartition.type} holds them).
 *
 * @example
 * ```ts
 * const esp = await openPartition(disk, { type: GPT_PARTITION_TYPES.efiSystem });
 * ```
 */
export const GPT_PARTITION_TYPES = {
  efiSystem: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
  microsoftBasicData: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  linuxFilesystem: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  linuxSwap: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
  linuxLvm: 'E6D6D379-F507-44C2-A23C-238F2A3DF928',
  linuxRaid: 'A19D880F-05FC-4D3B-A006-743F0F84911E',
  linuxHome: '933AC7E1-2EB4-4F13-B844-0E14E2AEF915',
  linuxRootX86_64: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709',
  linuxRootArm64: 'B921B045-1DF0-41C3-AF44-4C6F280D3FAE',
} as const;

/**
 * MBR partition type bytes (as {@link MbrPartition.type} holds them).
 *
 * @example
 * ```ts
 * const root = await openPartition(disk, { type: MBR_PARTITION_TYPES.linux }); // 0x83
 * ```
 */
export const MBR_PARTITION_TYPES = {
  fat12: 0x01,
  fat16: 0x06,
  ntfsOrExfat: 0x07,
  fat32: 0x0b,
  fat32Lba: 0x0c,
  fat16Lba: 0x0e,
  extended: 0x05,
  extendedLba: 0x0f,
  linuxSwap: 0x82,
  linux: 0x83,
  linuxExtended: 0x85,
  linuxLvm: 0x8e,
  gptProtective: 0xee,
  efiSystem: 0xef,
  linuxRaid: 0xfd,
} as const;
