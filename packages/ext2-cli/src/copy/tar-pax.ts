// pax extended-header records ("<len> <key>=<value>\n"), decoded so that
// binary values survive. tar-stream decodes every value as UTF-8, which
// turns the bytes of SCHILY.xattr.* values that are not UTF-8 (a
// security.capability, any binary user.* value) into U+FFFD: the image
// would silently get other bytes than the archive holds. Its decoder is
// therefore replaced, for the extract streams of this process, by one that
// keeps those values as latin1 strings (one character per byte); keys and
// all other values are UTF-8, as POSIX specifies.

/** The pax keys whose values are raw bytes rather than UTF-8 text. */
export const BINARY_PAX_PREFIX = 'SCHILY.xattr.';

/** Decodes the records of one pax header block; stops at the first malformed record, as tar-stream does. */
export function decodePaxRecords(buf: Uint8Array): Record<string, string> {
  const result: Record<string, string> = {};
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    if (space === -1) break;
    const len = Number.parseInt(bytes.toString('latin1', at, space), 10);
    if (!(len > space - at + 1) || at + len > bytes.length) break;
    const end = at + len - 1; // the record's newline
    const equals = bytes.indexOf(0x3d, space + 1);
    if (equals === -1 || equals >= end) break;
    const key = bytes.toString('utf8', space + 1, equals);
    result[key] = bytes.toString(key.startsWith(BINARY_PAX_PREFIX) ? 'latin1' : 'utf8', equals + 1, end);
    at += len;
  }
  return result;
}

/** The bytes of a value decodePaxRecords kept binary. */
export const binaryPaxValue = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'latin1'));

interface PaxDecoderHost {
  decodePax: (buf: Uint8Array) => Record<string, string>;
}

/** Puts decodePaxRecords in place of tar-stream's decoder (its headers module, shared by its extract streams). */
export async function installPaxDecoder(): Promise<void> {
  const headers = (await import('tar-stream/headers.js')) as unknown as { default?: PaxDecoderHost } & Partial<PaxDecoderHost>;
  const host = headers.default ?? (headers as PaxDecoderHost);
  if (typeof host.decodePax !== 'function') throw new Error('tar-stream/headers.js has no decodePax: the pinned tar-stream changed');
  host.decodePax = decodePaxRecords;
}
