import fc from 'fast-check';
import { parseGuardedXml, XmlGuardError } from './xml-guard';
import type { XmlAttribute, XmlElement } from './xml-tree';
import { escapeXmlAttribute, writeXmlElement, XML_NS } from './xml-write';

const LIMITS = { maxDepth: 64, maxElements: 100_000 };

const character = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '&',
      '<',
      '>',
      '"',
      "'",
      '\r',
      '\n',
      '\r\n',
      '\t',
      ' ',
      ']',
      ']]>',
      ';',
      '#',
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'a',
      'Z',
      '0',
      '.',
      'é',
      '\u00a0',
      '\u{1F600}',
      '中',
      '\u2028',
      '\ufffd',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCodePoint(c)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  },
);
const text = fc.oneof(fc.constant(''), fc.string({ unit: character, maxLength: 12 }));
const name = fc
  .stringMatching(/^[A-Za-z_\u00c0-\u00d6\u4e00-\u4e05][A-Za-z0-9._\u00b7\u00c0-\u00d6-]{0,6}$/)
  .filter((candidate) => candidate !== 'xmlns');
const namespace = fc.oneof(
  fc.constantFrom(
    '',
    '',
    'urn:a',
    'urn:b',
    'http://example.com/a?x=1&y="2"',
    "urn:quote'<&>",
    'urn:ü',
  ),
  fc.string({ unit: character, minLength: 1, maxLength: 8 }),
);
const attribute: fc.Arbitrary<XmlAttribute> = fc.record({
  ns: fc.oneof({ weight: 5, arbitrary: namespace }, { weight: 1, arbitrary: fc.constant(XML_NS) }),
  name,
  value: text,
});
const attributes = fc.uniqueArray(attribute, {
  maxLength: 4,
  selector: (a) => `${a.ns} ${a.name}`,
});

const { tree } = fc.letrec<{ tree: XmlElement }>((tie) => ({
  tree: fc.record({
    ns: namespace,
    name,
    attributes,
    children: fc.oneof(
      { maxDepth: 5, depthIdentifier: 'xml' },
      fc.constant<XmlElement[]>([]),
      fc.array(tie('tree'), { maxLength: 4, depthIdentifier: 'xml' }),
    ),
    text,
  }),
}));

describe('parseGuardedXml reads back what was written', () => {
  it('for writeXmlElement', () => {
    fc.assert(
      fc.property(tree, (element) => {
        expect(parseGuardedXml(Buffer.from(writeXmlElement(element)), LIMITS)).toEqual(element);
      }),
      { numRuns: 500 },
    );
  });

  it('for documents written every legal way: prefixes, redeclarations, CDATA, references, comments, split text', () => {
    fc.assert(
      fc.property(tree, fc.integer(), fc.boolean(), (element, seed, withDeclaration) => {
        const xml = writeVaried(element, seededRandom(seed));
        const body = withDeclaration ? `\ufeff<?xml version="1.0" encoding="UTF-8"?>\n${xml}` : xml;
        expect(parseGuardedXml(Buffer.from(body), LIMITS)).toEqual(element);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseGuardedXml on damaged documents', () => {
  const damage = fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 3 }),
    insert: fc.string({
      unit: fc.constantFrom(
        '<',
        '>',
        '/',
        '&',
        ';',
        '"',
        "'",
        '=',
        ':',
        '!',
        '?',
        '-',
        '[',
        ']',
        '#',
        'x',
        ' ',
        '\u0000',
        'é',
      ),
      maxLength: 3,
    }),
  });

  it('refuses with an XmlGuardError or reads something that writes and reads back the same', () => {
    fc.assert(
      fc.property(tree, fc.array(damage, { minLength: 1, maxLength: 3 }), (element, damages) => {
        let xml = writeXmlElement(element);
        for (const { at, remove, insert } of damages) {
          const position = at % (xml.length + 1);
          xml = xml.slice(0, position) + insert + xml.slice(position + remove);
        }
        let read: XmlElement;
        try {
          read = parseGuardedXml(Buffer.from(xml), LIMITS);
        } catch (error) {
          expect(error).toBeInstanceOf(XmlGuardError);
          return;
        }
        expect(parseGuardedXml(Buffer.from(writeXmlElement(read)), LIMITS)).toEqual(read);
      }),
      { numRuns: 2000 },
    );
  });
});

/** mulberry32: a small deterministic generator so that a failing seed replays. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scope {
  prefixes: Map<string, string>;
  defaultNs: string;
}

/** A second writer, independent of writeXmlElement, that varies every choice XML leaves open. */
function writeVaried(root: XmlElement, random: () => number): string {
  const out: string[] = [];
  const space = () => [' ', '  ', '\n', '\t', '\r\n '][Math.floor(random() * 5)] as string;
  const maybeSpace = () => (random() < 0.3 ? space() : '');
  const maybeComment = () =>
    random() < 0.1 ? out.push(`<!--${random() < 0.5 ? ' note ' : ''}-->`) : 0;

  const write = (element: XmlElement, scope: Scope) => {
    const prefixes = new Map(scope.prefixes);
    let defaultNs = scope.defaultNs;
    const declarations: string[] = [];
    const usedHere = new Set<string>(['xml']);
    const prefixFor = (ns: string): string => {
      if (ns === XML_NS) return 'xml';
      for (const [prefix, uri] of prefixes) {
        if (uri === ns && random() < 0.7) {
          usedHere.add(prefix);
          return prefix;
        }
      }
      // A fresh declaration, often reusing (shadowing) a prefix the ancestors bound to something else.
      let prefix = `p${Math.floor(random() * 4)}`;
      while (usedHere.has(prefix)) prefix += 'x';
      usedHere.add(prefix);
      prefixes.set(prefix, ns);
      declarations.push(`xmlns:${prefix}=${quoted(ns)}`);
      return prefix;
    };
    const quoted = (value: string) => {
      const escaped = escapeXmlAttribute(value);
      return random() < 0.5 ? `"${escaped}"` : `'${escaped}'`;
    };

    let qname: string;
    if (element.ns === '' || (random() < 0.5 && element.ns !== XML_NS)) {
      if (defaultNs !== element.ns) {
        declarations.push(`xmlns=${quoted(element.ns)}`);
        defaultNs = element.ns;
      }
      qname = element.name;
    } else qname = `${prefixFor(element.ns)}:${element.name}`;
    const written = element.attributes.map(
      (a) =>
        `${a.ns === '' ? a.name : `${prefixFor(a.ns)}:${a.name}`}${maybeSpace()}=${maybeSpace()}${quoted(a.value)}`,
    );
    // Declarations may go anywhere among the attributes, whose own order must stay.
    const items = [...written];
    for (const declaration of declarations)
      items.splice(Math.floor(random() * (items.length + 1)), 0, declaration);
    out.push(`<${qname}${items.map((item) => space() + item).join('')}${maybeSpace()}`);
    if (element.children.length === 0 && element.text === '' && random() < 0.7) {
      out.push('/>');
      return;
    }
    out.push('>');
    const chunks = splitText(element.text, element.children.length + 1, random);
    const inner = { prefixes, defaultNs };
    chunks.forEach((chunk, index) => {
      maybeComment();
      writeText(chunk, out, random);
      const child = element.children[index];
      if (child) write(child, inner);
    });
    out.push(`</${qname}${maybeSpace()}>`);
  };
  write(root, { prefixes: new Map([['xml', XML_NS]]), defaultNs: '' });
  return out.join('');
}

function splitText(text: string, parts: number, random: () => number): string[] {
  const characters = Array.from(text);
  const cuts = Array.from({ length: parts - 1 }, () =>
    Math.floor(random() * (characters.length + 1)),
  ).sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(characters.slice(from, cut).join(''));
    from = cut;
  }
  chunks.push(characters.slice(from).join(''));
  return chunks;
}

function writeText(text: string, out: string[], random: () => number): void {
  if (text !== '' && !text.includes(']]>') && !text.includes('\r') && random() < 0.3) {
    out.push(`<![CDATA[${text}]]>`);
    return;
  }
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    if (c === '&') out.push(random() < 0.5 ? '&amp;' : '&#38;');
    else if (c === '<') out.push(random() < 0.5 ? '&lt;' : '&#x3C;');
    else if (c === '>') out.push('&gt;');
    else if (c === '\r') out.push('&#xD;');
    else if (c === '"' && random() < 0.5) out.push('&quot;');
    else if (c === "'" && random() < 0.5) out.push('&apos;');
    else if (random() < 0.1) out.push(random() < 0.5 ? `&#${code};` : `&#x${code.toString(16)};`);
    else out.push(c);
  }
}
