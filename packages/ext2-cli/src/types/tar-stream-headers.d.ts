// tar-stream's header codec, imported only to put a binary-safe pax decoder in place (copy/tar-pax.ts).
declare module 'tar-stream/headers.js';
