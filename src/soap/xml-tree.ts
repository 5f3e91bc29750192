/**
 * An XML element with its namespaces resolved: what the hardened parser (xml-guard.ts) gives
 * and what the rest of the SOAP layer reads. Character data stays text, never a number, so an
 * amount keeps every digit it had on the wire.
 */
export interface XmlElement {
  /** Namespace URI, '' when the element is in no namespace. */
  ns: string;
  /** Local name, without prefix. */
  name: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** The character data directly inside (entities decoded, CDATA included), untrimmed. */
  text: string;
}

export interface XmlAttribute {
  ns: string;
  name: string;
  value: string;
}

/** The first child element with this namespace and local name. */
export function childElement(parent: XmlElement, ns: string, name: string): XmlElement | undefined {
  return parent.children.find((child) => child.ns === ns && child.name === name);
}

/** An attribute's value by namespace and local name. */
export function attributeValue(element: XmlElement, ns: string, name: string): string | undefined {
  return element.attributes.find((attribute) => attribute.ns === ns && attribute.name === name)
    ?.value;
}
