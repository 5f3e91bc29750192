/**
 * The strict, namespace-aware XML reader behind parseGuardedXml. Hot path on purpose: one pass
 * over the decoded text with charCodeAt, an explicit stack instead of recursion (so depth costs
 * no call stack), and every limit checked the moment it is crossed, so a hostile body is
 * refused after reading no more than the limit. It refuses what a general parser would expand or
 * tolerate: DTDs and entity declarations, processing instructions, entity references other than
 * the five predefined ones and character references, undeclared prefixes, mismatched tags,
 * several roots. fast-xml-parser 5.12, tried first, accepts mismatched end tags, several roots,
 * undeclared entity references and HTML entities without a word, and resolves no namespaces.
 * The attack tests in xml-guard.test.ts time the refusals; the property tests in
 * xml-guard.property.test.ts check it against two independent writers and damaged documents.
 */
import { XmlGuardError, type XmlGuardErrorKind } from './xml-guard-error';
import type { XmlAttribute, XmlElement } from './xml-tree';
import {
  isNameChar,
  isNameStartChar,
  isWhitespace,
  isXmlCharacter,
  positionOf,
} from './xml-characters';
import { XML_NS, XMLNS_NS } from './xml-write';

export interface XmlLimits {
  /** Deepest element nesting; the root is depth 1. */
  maxDepth: number;
  /** Elements in the whole document. */
  maxElements: number;
  /** Child elements of any one element. */
  maxChildren?: number;
  /** Attributes (namespace declarations included) on any one element. */
  maxAttributes?: number;
  /** UTF-8 bytes of character data directly inside any one element. */
  maxTextBytes?: number;
}

type NamespaceScope = Map<string, string>;

/** A start tag as written: attributes by qualified name with their offsets, declarations apart. */
interface StartTag {
  attributes: [qname: string, value: string, at: number][];
  declarations: [name: string, uri: string][] | undefined;
  selfClosing: boolean;
}

interface OpenElement {
  qname: string;
  element: XmlElement;
  scope: NamespaceScope;
}

const LT = 60;
const GT = 62;
const AMP = 38;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;
const COLON = 58;
const CR = 13;
const LF = 10;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const APOSTROPHE = 39;
const RIGHT_BRACKET = 93;

const ROOT_SCOPE: NamespaceScope = new Map([
  ['', ''],
  ['xml', XML_NS],
]);

const XML_DECLARATION =
  /^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>/;

export class XmlDocumentReader {
  private i = 0;
  private elementCount = 0;
  private readonly maxChildren: number;
  private readonly maxAttributes: number;
  private readonly maxTextBytes: number;

  constructor(
    private readonly s: string,
    private readonly limits: XmlLimits,
  ) {
    this.maxChildren = limits.maxChildren ?? Infinity;
    this.maxAttributes = limits.maxAttributes ?? Infinity;
    this.maxTextBytes = limits.maxTextBytes ?? Infinity;
  }

  read(): XmlElement {
    if (this.s.length === 0)
      this.fail('malformed', 'the body is empty; an XML document is required');
    if (this.s.startsWith('<?xml') && isWhitespace(this.s.charCodeAt(5))) this.readDeclaration();
    this.readMisc(false);
    if (this.i >= this.s.length) this.fail('malformed', 'the document has no root element');
    const root = this.readElements();
    this.readMisc(true);
    return root;
  }

  private readDeclaration(): void {
    const match = XML_DECLARATION.exec(this.s.slice(0, 256));
    if (!match) this.fail('malformed', 'the XML declaration is not well-formed');
    const encoding = match[3];
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding))
      this.fail(
        'unsupported-encoding',
        `the document declares encoding ${encoding}; only UTF-8 is accepted`,
      );
    this.i = match[0].length;
  }

  /** Whitespace and comments before or after the root element. */
  private readMisc(afterRoot: boolean): void {
    const s = this.s;
    for (;;) {
      while (this.i < s.length && isWhitespace(s.charCodeAt(this.i))) this.i++;
      if (this.i >= s.length) return;
      if (s.charCodeAt(this.i) !== LT) {
        this.fail(
          'malformed',
          afterRoot ? 'content after the root element' : 'text before the root element',
        );
      }
      const next = s.charCodeAt(this.i + 1);
      if (next === BANG) {
        if (s.startsWith('<!--', this.i)) this.readComment();
        else this.refuseMarkupDeclaration();
      } else if (next === QUESTION) this.refuseProcessingInstruction();
      else if (!afterRoot) return;
      else if (next === SLASH) this.fail('malformed', 'an end tag after the root element');
      else this.fail('malformed', 'a second root element');
    }
  }

  private readElements(): XmlElement {
    const s = this.s;
    const stack: OpenElement[] = [];
    const root = this.readStartTag(stack);
    while (stack.length > 0) {
      const open = stack[stack.length - 1] as OpenElement;
      if (this.i >= s.length) this.fail('malformed', `element <${open.qname}> is not closed`);
      if (s.charCodeAt(this.i) !== LT) {
        this.readText(open.element);
        continue;
      }
      const next = s.charCodeAt(this.i + 1);
      if (next === SLASH) this.readEndTag(stack);
      else if (next === BANG) {
        if (s.startsWith('<!--', this.i)) this.readComment();
        else if (s.startsWith('<![CDATA[', this.i)) this.readCdata(open.element);
        else this.refuseMarkupDeclaration();
      } else if (next === QUESTION) this.refuseProcessingInstruction();
      else this.readStartTag(stack);
    }
    return root;
  }

  /** Reads `<name attr="v" ...>` or `<name/>`; pushes the element unless it is empty. */
  private readStartTag(stack: OpenElement[]): XmlElement {
    const tagStart = this.i;
    this.i++;
    const qname = this.readName('element name');
    const parent = stack[stack.length - 1];
    this.checkElementLimits(stack.length + 1, parent, tagStart);
    const tag = this.readAttributes(qname, tagStart);
    const inherited = parent?.scope ?? ROOT_SCOPE;
    const scope = tag.declarations
      ? this.declare(inherited, tag.declarations, tagStart)
      : inherited;
    const colon = qname.indexOf(':');
    const element: XmlElement = {
      ns: this.resolve(scope, colon < 0 ? '' : qname.slice(0, colon), tagStart),
      name: colon < 0 ? qname : qname.slice(colon + 1),
      attributes: this.resolveAttributes(scope, tag.attributes, qname),
      children: [],
      text: '',
    };
    if (parent) parent.element.children.push(element);
    if (!tag.selfClosing) stack.push({ qname, element, scope });
    return element;
  }

  private checkElementLimits(depth: number, parent: OpenElement | undefined, at: number): void {
    const { maxDepth, maxElements } = this.limits;
    if (depth > maxDepth)
      this.fail('too-deep', `elements are nested deeper than ${maxDepth} levels`, at);
    if (++this.elementCount > maxElements)
      this.fail('too-many-elements', `the document has more than ${maxElements} elements`, at);
    if (parent && parent.element.children.length >= this.maxChildren) {
      const message = `element <${parent.qname}> has more than ${this.maxChildren} child elements`;
      this.fail('too-many-children', message, at);
    }
  }

  /** The attributes up to '>' or '/>', namespace declarations apart, values decoded. */
  private readAttributes(qname: string, tagStart: number): StartTag {
    const s = this.s;
    const tag: StartTag = { attributes: [], declarations: undefined, selfClosing: false };
    for (let count = 1; ; count++) {
      const beforeSpace = this.i;
      this.skipWhitespace();
      const c = s.charCodeAt(this.i);
      if (c === GT) {
        this.i++;
        return tag;
      }
      if (c === SLASH && s.charCodeAt(this.i + 1) === GT) {
        this.i += 2;
        tag.selfClosing = true;
        return tag;
      }
      if (this.i >= s.length)
        this.fail('malformed', `start tag <${qname}> is not closed`, tagStart);
      if (this.i === beforeSpace)
        this.fail('malformed', `whitespace expected in start tag <${qname}>`);
      if (count > this.maxAttributes) {
        const message = `element <${qname}> has more than ${this.maxAttributes} attributes`;
        this.fail('too-many-attributes', message, tagStart);
      }
      const attributeStart = this.i;
      const name = this.readName('attribute name');
      this.skipWhitespace();
      if (s.charCodeAt(this.i) !== EQUALS) this.fail('malformed', `attribute ${name} has no value`);
      this.i++;
      this.skipWhitespace();
      const value = this.readAttributeValue(name);
      if (name === 'xmlns' || name.startsWith('xmlns:'))
        (tag.declarations ??= []).push([name, value]);
      else tag.attributes.push([name, value, attributeStart]);
    }
  }

  private declare(
    parentScope: NamespaceScope,
    declarations: [string, string][],
    at: number,
  ): NamespaceScope {
    const scope = new Map(parentScope);
    const seen = new Set<string>();
    for (const [name, uri] of declarations) {
      if (seen.has(name)) this.fail('malformed', `attribute ${name} is repeated`, at);
      seen.add(name);
      const prefix = name === 'xmlns' ? '' : name.slice(6);
      // Namespaces in XML 1.0 §3: the reserved prefixes and names, and no undeclaring a prefix.
      if (prefix === 'xmlns' || uri === XMLNS_NS)
        this.fail('malformed', `the xmlns prefix and namespace cannot be declared`, at);
      if ((prefix === 'xml') !== (uri === XML_NS))
        this.fail('malformed', `the xml prefix is bound to its own namespace only`, at);
      if (prefix !== '' && uri === '')
        this.fail('malformed', `prefix ${prefix} cannot be declared empty`, at);
      scope.set(prefix, uri);
    }
    return scope;
  }

  private resolve(scope: NamespaceScope, prefix: string, at: number): string {
    const uri = scope.get(prefix);
    if (uri === undefined) this.fail('malformed', `namespace prefix ${prefix} is not declared`, at);
    return uri;
  }

  private resolveAttributes(
    scope: NamespaceScope,
    raw: [string, string, number][],
    qname: string,
  ): XmlAttribute[] {
    const attributes: XmlAttribute[] = [];
    for (const [name, value, at] of raw) {
      const colon = name.indexOf(':');
      attributes.push(
        colon < 0
          ? { ns: '', name, value }
          : {
              ns: this.resolve(scope, name.slice(0, colon), at),
              name: name.slice(colon + 1),
              value,
            },
      );
    }
    if (attributes.length > 1) {
      const seen = new Set<string>();
      for (const attribute of attributes) {
        const key = `${attribute.ns} ${attribute.name}`;
        if (seen.has(key))
          this.fail('malformed', `element <${qname}> repeats attribute ${attribute.name}`);
        seen.add(key);
      }
    }
    return attributes;
  }

  private readEndTag(stack: OpenElement[]): void {
    const s = this.s;
    const open = stack.pop() as OpenElement;
    const nameStart = this.i + 2;
    let end = nameStart + open.qname.length;
    if (!s.startsWith(open.qname, nameStart) || isNameChar(s.charCodeAt(end))) {
      this.i = nameStart;
      const found = this.readName('end tag name');
      this.fail('malformed', `end tag </${found}> does not match <${open.qname}>`, nameStart - 2);
    }
    while (end < s.length && isWhitespace(s.charCodeAt(end))) end++;
    if (s.charCodeAt(end) !== GT)
      this.fail('malformed', `end tag </${open.qname}> is not closed`, nameStart - 2);
    this.i = end + 1;
  }

  /** Character data up to the next '<', with references decoded and line ends normalised. */
  private readText(element: XmlElement): void {
    const s = this.s;
    let segment = this.i;
    let text = '';
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === LT) break;
      if (c === AMP) {
        text += s.slice(segment, this.i) + this.readReference();
        segment = this.i;
        continue;
      }
      if (c < SPACE) {
        if (c === CR) {
          text += s.slice(segment, this.i) + '\n';
          this.i += s.charCodeAt(this.i + 1) === LF ? 2 : 1;
          segment = this.i;
          continue;
        }
        if (c !== LF && c !== TAB) this.illegalCharacter(c);
      } else if (c === RIGHT_BRACKET) {
        if (s.startsWith(']]>', this.i))
          this.fail('malformed', `']]>' is not allowed in character data`);
      } else if (c >= 0xfffe) this.illegalCharacter(c);
      this.i++;
    }
    this.appendText(element, text + s.slice(segment, this.i));
  }

  private readAttributeValue(name: string): string {
    const s = this.s;
    const quote = s.charCodeAt(this.i);
    if (quote !== QUOTE && quote !== APOSTROPHE)
      this.fail('malformed', `the value of attribute ${name} is not quoted`);
    this.i++;
    let segment = this.i;
    let value = '';
    for (;;) {
      if (this.i >= s.length)
        this.fail('malformed', `the value of attribute ${name} is not closed`);
      const c = s.charCodeAt(this.i);
      if (c === quote) break;
      if (c === LT) this.fail('malformed', `'<' is not allowed in the value of attribute ${name}`);
      if (c === AMP) {
        value += s.slice(segment, this.i) + this.readReference();
        segment = this.i;
        continue;
      }
      if (c < SPACE) {
        // XML 1.0 §3.3.3: literal tabs and line ends in attribute values read as spaces.
        if (c !== TAB && c !== LF && c !== CR) this.illegalCharacter(c);
        value += s.slice(segment, this.i) + ' ';
        this.i += c === CR && s.charCodeAt(this.i + 1) === LF ? 2 : 1;
        segment = this.i;
        continue;
      }
      if (c >= 0xfffe) this.illegalCharacter(c);
      this.i++;
    }
    value += s.slice(segment, this.i);
    this.i++;
    return value;
  }

  /** At '&': a character reference or one of the five predefined entities, nothing else. */
  private readReference(): string {
    const s = this.s;
    const start = this.i;
    const semicolon = s.indexOf(';', start + 1);
    if (semicolon < 0 || semicolon - start > 40)
      this.fail('malformed', `'&' must start a character or entity reference`);
    const body = s.slice(start + 1, semicolon);
    this.i = semicolon + 1;
    switch (body) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    let codePoint = NaN;
    if (/^#x[0-9a-fA-F]+$/.test(body)) codePoint = parseInt(body.slice(2), 16);
    else if (/^#[0-9]+$/.test(body)) codePoint = parseInt(body.slice(1), 10);
    else
      this.fail(
        'malformed',
        `entity &${body}; is not declared; only the predefined XML entities are allowed`,
        start,
      );
    if (!isXmlCharacter(codePoint))
      this.fail('malformed', `character reference &${body}; is not a legal XML character`, start);
    return String.fromCodePoint(codePoint);
  }

  private readComment(): void {
    const s = this.s;
    const start = this.i + 4;
    const end = s.indexOf('-->', start);
    if (end < 0) this.fail('malformed', 'a comment is not closed');
    if (s.indexOf('--', start) !== end)
      this.fail('malformed', `'--' is not allowed inside a comment`);
    this.checkCharacters(start, end);
    this.i = end + 3;
  }

  private readCdata(element: XmlElement): void {
    const s = this.s;
    const start = this.i + 9;
    const end = s.indexOf(']]>', start);
    if (end < 0) this.fail('malformed', 'a CDATA section is not closed');
    this.checkCharacters(start, end);
    const text = s.slice(start, end);
    this.i = end + 3;
    this.appendText(element, text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text);
  }

  private appendText(element: XmlElement, text: string): void {
    if (text === '') return;
    element.text += text;
    const length = element.text.length;
    // A UTF-16 unit is 1 to 3 UTF-8 bytes: count bytes only when the length leaves it open.
    if (
      length * 3 > this.maxTextBytes &&
      (length > this.maxTextBytes || Buffer.byteLength(element.text) > this.maxTextBytes)
    )
      this.fail(
        'text-too-large',
        `element <${element.name}> holds more than ${this.maxTextBytes} bytes of text`,
      );
  }

  private refuseMarkupDeclaration(): never {
    const s = this.s;
    for (const keyword of ['<!DOCTYPE', '<!ENTITY', '<!ELEMENT', '<!ATTLIST', '<!NOTATION']) {
      if (s.startsWith(keyword, this.i))
        this.fail('doctype', 'document type and entity declarations are not accepted');
    }
    this.fail('malformed', `unexpected markup '<!'`);
  }

  private refuseProcessingInstruction(): never {
    this.fail('processing-instruction', 'processing instructions are not accepted');
  }

  private readName(what: string): string {
    const s = this.s;
    const start = this.i;
    if (!isNameStartChar(s.charCodeAt(start))) this.fail('malformed', `${what} expected`);
    let colon = -1;
    let i = start + 1;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === COLON) {
        if (colon >= 0) this.fail('malformed', `${what} has more than one ':'`, start);
        colon = i;
      } else if (!isNameChar(c)) break;
    }
    if (colon === i - 1 || s.charCodeAt(start) === COLON)
      this.fail('malformed', `${what} is not a qualified name`, start);
    if (colon >= 0 && !isNameStartChar(s.charCodeAt(colon + 1)))
      this.fail('malformed', `${what} is not a qualified name`, start);
    this.i = i;
    return s.slice(start, i);
  }

  private skipWhitespace(): void {
    while (this.i < this.s.length && isWhitespace(this.s.charCodeAt(this.i))) this.i++;
  }

  private checkCharacters(from: number, to: number): void {
    const s = this.s;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if ((c < SPACE && c !== TAB && c !== LF && c !== CR) || c >= 0xfffe) {
        this.i = i;
        this.illegalCharacter(c);
      }
    }
  }

  private illegalCharacter(c: number): never {
    this.fail(
      'malformed',
      `character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`,
    );
  }

  private fail(kind: XmlGuardErrorKind, message: string, at = this.i): never {
    const { line, column } = positionOf(this.s, Math.min(at, this.s.length));
    throw new XmlGuardError(kind, `${message} (line ${line}, column ${column})`, line, column);
  }
}
