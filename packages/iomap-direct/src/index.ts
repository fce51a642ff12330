// @iomap/direct: the public API arrives with its issue; nothing is exported yet.
export {};
