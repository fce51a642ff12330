// A getfattr dump (`getfattr -d`), the text `setfattr --restore` reads:
//
//   # file: etc/ssh
//   user.origin="host"
//   security.selinux=0sc3lzdGVtX3U6b2JqZWN0X3I6ZXRjX3Q6czAA
//   <blank line>
//
// A "# file: " line opens a section; "name=value" lines follow; a blank line
// (or the next "# file: ") closes it. Paths and names are quoted as in
// getfattr-text.ts; a name without "=" has the empty value. Other lines
// starting with '#' are comments. Only the syntax is read here: values stay
// as written, for the caller to decode (decodeValue) or to check.
import { latin1, unquote } from './getfattr-text.js';

/** One "name=value" line. */
export interface DumpAttribute {
  /** The name's bytes as a latin1 string, unquoted. */
  name: string;
  /** The value as written after '=' (latin1; '' when the line has no '='). */
  encoded: string;
  /** 1-based line number, for messages. */
  line: number;
}

/** One "# file:" section. */
export interface DumpSection {
  /** The path's bytes as a latin1 string, unquoted. */
  path: string;
  line: number;
  attributes: DumpAttribute[];
}

/** A line that does not belong in a dump; `line` is 1-based. */
export class DumpSyntaxError extends Error {
  override readonly name = 'DumpSyntaxError';
  constructor(
    readonly line: number,
    readonly text: string,
    why: string,
  ) {
    super(`line ${line} (${JSON.stringify(text.slice(0, 80))}): ${why}`);
  }
}

const FILE_LINE = '# file: ';

/**
 * The sections of a dump, in order. DumpSyntaxError for an attribute line
 * outside any section or an attribute line with an empty name.
 *
 * @example
 * ```ts
 * parseDump(Buffer.from('# file: a\nuser.x="1"\n\n'));
 * // [{ path: 'a', line: 1, attributes: [{ name: 'user.x', encoded: '"1"', line: 2 }] }]
 * ```
 */
export function parseDump(dump: Uint8Array): DumpSection[] {
  const sections: DumpSection[] = [];
  let current: DumpSection | undefined;
  const lines = latin1(dump).split('\n');
  lines.forEach((text, index) => {
    const line = index + 1;
    if (text === '') {
      current = undefined;
    } else if (text.startsWith(FILE_LINE)) {
      current = { path: unquote(text.slice(FILE_LINE.length)), line, attributes: [] };
      sections.push(current);
    } else if (text.startsWith('#')) {
      // a comment
    } else if (current === undefined) {
      throw new DumpSyntaxError(line, text, 'an attribute outside any "# file:" section');
    } else {
      // '=' inside a name is quoted, so the first raw '=' ends the name.
      const eq = text.indexOf('=');
      const name = unquote(eq < 0 ? text : text.slice(0, eq));
      if (name === '') throw new DumpSyntaxError(line, text, 'an attribute without a name');
      current.attributes.push({ name, encoded: eq < 0 ? '' : text.slice(eq + 1), line });
    }
  });
  return sections;
}
