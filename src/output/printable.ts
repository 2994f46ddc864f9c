/**
 * Text that came from the user's files (a rejected CSV field, a file name) is echoed to the
 * terminal only without control characters: C0 and C1 controls and DEL (an ESC could move the
 * cursor, rewrite earlier lines or set the window title) and the Unicode bidirectional overrides
 * and isolates (which can make a line read differently from what it holds). Each is shown as a
 * visible escape, e.g. `\x1b`, `\u202e`, so the reason still points at the offending byte.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
