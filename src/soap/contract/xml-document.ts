/**
 * Reads a WSDL or XSD file from the configuration folders into a tree with namespaces resolved.
 * These files are trusted configuration, not partner input, so the plain parser is enough here;
 * request bodies go through the hardened parser in xml-guard.ts instead. Each node keeps the
 * prefixes in scope because XSD attribute values (type="ft:Iban") are QNames that only make
 * sense against them.
 */
import { XMLParser } from 'fast-xml-parser';
import type { XmlAttribute, XmlElement } from '../xml-tree';
import type { QualifiedName } from './types';

export interface DocumentNode extends XmlElement {
  children: DocumentNode[];
  /** Prefix → namespace URI in scope at this element ('' is the default namespace). */
  namespaces: ReadonlyMap<string, string>;
}

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

export function readXmlDocument(text: string): DocumentNode {
  const nodes = parser.parse(text) as OrderedNode[];
  const root = nodes.find((node) => elementTagOf(node) !== undefined);
  if (!root) throw new Error('the document has no root element');
  return toDocumentNode(root, new Map([['xml', XML_NAMESPACE]]));
}

function elementTagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && !key.startsWith('#'));
}

function toDocumentNode(node: OrderedNode, inherited: ReadonlyMap<string, string>): DocumentNode {
  const tag = elementTagOf(node) as string;
  const rawAttributes = node[':@'] ?? {};
  let namespaces = inherited;
  for (const [key, value] of Object.entries(rawAttributes)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (namespaces === inherited) namespaces = new Map(inherited);
      (namespaces as Map<string, string>).set(key === 'xmlns' ? '' : key.slice(6), value);
    }
  }
  const attributes: XmlAttribute[] = [];
  for (const [key, value] of Object.entries(rawAttributes)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    const colon = key.indexOf(':');
    // Unprefixed attributes are in no namespace, whatever the default namespace is.
    const ns = colon < 0 ? '' : namespaceOf(namespaces, key.slice(0, colon), key);
    attributes.push({ ns, name: key.slice(colon + 1), value });
  }
  const colon = tag.indexOf(':');
  const element: DocumentNode = {
    ns: namespaceOf(namespaces, colon < 0 ? '' : tag.slice(0, colon), tag),
    name: tag.slice(colon + 1),
    attributes,
    children: [],
    text: '',
    namespaces,
  };
  for (const child of node[tag] as OrderedNode[]) {
    if ('#text' in child) element.text += String(child['#text']);
    else if ('#cdata' in child) {
      for (const part of child['#cdata'] as OrderedNode[]) element.text += String(part['#text']);
    } else if (elementTagOf(child) !== undefined) {
      element.children.push(toDocumentNode(child, namespaces));
    }
  }
  return element;
}

function namespaceOf(namespaces: ReadonlyMap<string, string>, prefix: string, tag: string): string {
  if (prefix === 'xmlns') return XMLNS_NAMESPACE;
  const ns = namespaces.get(prefix);
  if (ns !== undefined) return ns;
  if (prefix === '') return '';
  throw new Error(`undeclared namespace prefix "${prefix}" in ${tag}`);
}

/** An unprefixed attribute's value. */
export function attributeOf(node: XmlElement, name: string): string | undefined {
  return node.attributes.find((attribute) => attribute.ns === '' && attribute.name === name)?.value;
}

/** A QName-valued attribute (type="ft:Iban") resolved against the prefixes in scope. */
export function qualifiedNameOf(node: DocumentNode, value: string): QualifiedName {
  const trimmed = value.trim();
  const colon = trimmed.indexOf(':');
  const prefix = colon < 0 ? '' : trimmed.slice(0, colon);
  const ns = node.namespaces.get(prefix);
  if (ns === undefined && prefix !== '') {
    throw new Error(`undeclared namespace prefix "${prefix}" in "${trimmed}"`);
  }
  return { ns: ns ?? '', name: trimmed.slice(colon + 1) };
}
