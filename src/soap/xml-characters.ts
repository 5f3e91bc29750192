/**
 * The character classes of XML 1.0 (§2.2 Char, §2.3 Name) as the reader needs them, by UTF-16
 * code unit, and where an offset is as a line and column for error messages.
 */
const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const COLON = 58;

export function positionOf(s: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = s.indexOf('\n'); i >= 0 && i < at; i = s.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: at - lineStart + 1 };
}

export function isWhitespace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR;
}

/** XML 1.0 NameStartChar, with every non-ASCII character below U+FFFE allowed. */
export function isNameStartChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    c === 95 ||
    c === COLON ||
    (c >= 0xc0 && c < 0xfffe && c !== 0xd7 && c !== 0xf7)
  );
}

export function isNameChar(c: number): boolean {
  return isNameStartChar(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7;
}

export function isXmlCharacter(c: number): boolean {
  return (
    c === TAB ||
    c === LF ||
    c === CR ||
    (c >= SPACE && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}
