/**
 * XSD `pattern` facets as JS regular expressions. XSD regexes are always anchored, know no `^`/`$`
 * anchors (they are literal characters there), and define \d, \w, \s, \i, \c over Unicode or XML
 * name characters; this translates those into their `u`-flag JS equivalents. Unicode block
 * escapes (\p{IsBasicLatin}) and character class subtraction ([a-z-[aeiou]]) have no `u`-flag
 * equivalent and are refused when the WSDL is loaded, never silently ignored.
 */

const CLASS_BODY: Record<string, string> = {
  d: '\\p{Nd}',
  D: '\\P{Nd}',
  w: '\\p{L}\\p{M}\\p{N}\\p{S}',
  W: '\\p{P}\\p{Z}\\p{C}',
  s: ' \\t\\n\\r',
  i: '\\p{L}_:',
  c: '\\p{L}\\p{M}\\p{N}._:\\-',
};

const NEGATED: Record<string, string> = { S: 's', I: 'i', C: 'c' };

const SINGLE_ESCAPES = new Set([
  '\\',
  '|',
  '.',
  '-',
  '^',
  '?',
  '*',
  '+',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
]);

export function compileXsdPattern(pattern: string): RegExp {
  let out = '';
  let index = 0;
  let inClass = false;
  let classStart = false;
  const fail = (why: string): never => {
    throw new Error(`pattern ${JSON.stringify(pattern)}: ${why}`);
  };
  while (index < pattern.length) {
    const char = pattern[index] as string;
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next === undefined) fail('ends with a lone backslash');
      const escaped = next as string;
      index += 2;
      if (escaped === 'p' || escaped === 'P') {
        const close = pattern.indexOf('}', index);
        if (pattern[index] !== '{' || close < 0) fail(`\\${escaped} needs {name}`);
        const property = pattern.slice(index + 1, close);
        if (property.startsWith('Is'))
          fail(`Unicode block escape \\${escaped}{${property}} is not supported`);
        out += `\\${escaped}{${property}}`;
        index = close + 1;
      } else if (CLASS_BODY[escaped] !== undefined) {
        out += inClass ? CLASS_BODY[escaped] : `[${CLASS_BODY[escaped]}]`;
      } else if (NEGATED[escaped] !== undefined) {
        if (inClass) fail(`\\${escaped} inside a character class is not supported`);
        out += `[^${CLASS_BODY[NEGATED[escaped] as string]}]`;
      } else if (escaped === 'n' || escaped === 'r' || escaped === 't') {
        out += `\\${escaped}`;
      } else if (SINGLE_ESCAPES.has(escaped)) {
        // With the u flag, \- is only valid inside a class.
        out += escaped === '-' && !inClass ? '-' : `\\${escaped}`;
      } else {
        fail(`\\${escaped} is not an XSD escape`);
      }
      classStart = false;
      continue;
    }
    index++;
    if (inClass) {
      if (char === '^' && classStart) out += '^';
      else if (char === '-' && pattern[index] === '[')
        fail('character class subtraction is not supported');
      else if (char === ']') {
        inClass = false;
        out += ']';
      } else if (char === '[') out += '\\[';
      else out += char;
      classStart = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      classStart = true;
      out += '[';
    } else if (char === '.') out += '[^\\n\\r]';
    else if (char === '^' || char === '$') out += `\\${char}`;
    else out += char;
  }
  if (inClass) fail('has an unclosed character class');
  try {
    return new RegExp(`^(?:${out})$`, 'u');
  } catch (error) {
    throw new Error(`pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
