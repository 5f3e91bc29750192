/**
 * Writing XML text from the SOAP layer: escaping of character data and attribute values, and
 * the serialisation of a whole XmlElement with namespace declarations chosen for it. What is
 * written here reads back through parseGuardedXml as the same XmlElement.
 */
import type { XmlElement } from './xml-tree';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/**
 * Character data. A CR is written as a reference because a literal one would be turned into a
 * LF by the reader's line-end normalisation (XML 1.0 §2.11); '>' is escaped so that ']]>' can
 * never appear.
 */
export function escapeXmlText(text: string): string {
  if (!/[&<>\r]/.test(text)) return text;
  return text.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] as string);
}

/**
 * An attribute value for either quote style. Tab, LF and CR are references because literal ones
 * become spaces under attribute-value normalisation (XML 1.0 §3.3.3).
 */
export function escapeXmlAttribute(value: string): string {
  if (!/[&<>"'\t\n\r]/.test(value)) return value;
  return value.replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c] as string);
}

const TEXT_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\r': '&#13;',
};

const ATTRIBUTE_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
};

/**
 * The element as XML text. Elements take the default namespace (declared where it changes);
 * namespaced attributes get prefixes ns1, ns2, ... declared on the element that first needs
 * them. The element's text is written before its children, as XmlElement keeps no interleaving.
 */
export function writeXmlElement(element: XmlElement): string {
  const parts: string[] = [];
  writeInto(element, parts, { defaultNs: '', prefixes: new Map([[XML_NS, 'xml']]), next: 1 });
  return parts.join('');
}

interface WriteScope {
  defaultNs: string;
  /** namespace URI → prefix in scope */
  prefixes: Map<string, string>;
  /** the next free prefix number */
  next: number;
}

function writeInto(element: XmlElement, parts: string[], scope: WriteScope): void {
  let declarations = '';
  let prefixes = scope.prefixes;
  let next = scope.next;
  const prefixFor = (ns: string): string => {
    const known = prefixes.get(ns);
    if (known !== undefined) return known;
    if (prefixes === scope.prefixes) prefixes = new Map(prefixes);
    const prefix = `ns${next++}`;
    prefixes.set(ns, prefix);
    declarations += ` xmlns:${prefix}="${escapeXmlAttribute(ns)}"`;
    return prefix;
  };

  // The xml namespace may not be the default namespace, so its elements keep the xml prefix.
  const elementName = element.ns === XML_NS ? `xml:${element.name}` : element.name;
  let defaultNs = scope.defaultNs;
  if (element.ns !== XML_NS && element.ns !== defaultNs) {
    defaultNs = element.ns;
    declarations += ` xmlns="${escapeXmlAttribute(element.ns)}"`;
  }
  let attributes = '';
  for (const attribute of element.attributes) {
    const name =
      attribute.ns === '' ? attribute.name : `${prefixFor(attribute.ns)}:${attribute.name}`;
    attributes += ` ${name}="${escapeXmlAttribute(attribute.value)}"`;
  }
  parts.push(`<${elementName}${declarations}${attributes}`);
  if (element.children.length === 0 && element.text === '') {
    parts.push('/>');
    return;
  }
  parts.push('>', escapeXmlText(element.text));
  const inner: WriteScope = { defaultNs, prefixes, next };
  for (const child of element.children) writeInto(child, parts, inner);
  parts.push(`</${elementName}>`);
}
