// Names from an image are bytes: they may be invalid UTF-8, or (in a crafted
// image) hold control characters, '/' or NUL. For terminals they are shown
// with escapes, so a name can never inject terminal control sequences:
// C0 controls, DEL and bytes that are not valid UTF-8 become \xHH, a
// backslash becomes \\. Everything else is printed as is.
const decoder = new TextDecoder('utf-8', { fatal: true });

function escapeBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}

/** A name (or path) as bytes, safe to print. */
export function displayBytes(bytes: Uint8Array): string {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    // Invalid UTF-8: escape byte by byte, keeping printable ASCII.
    let out = '';
    for (const b of bytes) out += b >= 0x20 && b < 0x7f ? (b === 0x5c ? '\\\\' : String.fromCharCode(b)) : escapeBytes(Uint8Array.of(b));
    return out;
  }
  return displayText(text);
}

/** A string shown with control characters escaped. */
export function displayText(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/\\/g, '\\\\').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Bytes as a string for JSON (invalid UTF-8 becomes U+FFFD). */
export function jsonName(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
