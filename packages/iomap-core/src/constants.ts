/** Page size used for page-granular rules (folios, swapfile pages, inline data). */
export const PAGE_SIZE = 4096;

/** Sector size used by {@link iomapSector} (512 bytes, as the kernel). */
export const SECTOR_SIZE = 512;
