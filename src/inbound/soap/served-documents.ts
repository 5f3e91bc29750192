/**
 * `GET <port path>?wsdl`: the WSDL as clients should see it. The `soap` package serves the file
 * as written, so its soap:address still names wherever the WSDL was authored; here every port's
 * address becomes the URL the gateway serves it at, and every wsdl:import, xsd:import and
 * xsd:include location becomes a `?wsdl=<name>` / `?xsd=<name>` URL of this same port, so a
 * client (zeep, the `soap` client, SoapUI) can load the whole contract from the gateway alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServedDocument } from '../../soap/contract/types';
import type { SoapService } from './services';

export interface ServedText {
  contentType: string;
  body: string;
}

/** The document a `?wsdl` / `?wsdl=name` / `?xsd=name` query asks for, rewritten; undefined if none. */
export function servedDocument(
  service: SoapService,
  query: Record<string, unknown>,
  baseUrl: string,
  portPath: string,
): ServedText | undefined {
  const wanted =
    typeof query.xsd === 'string'
      ? query.xsd
      : typeof query.wsdl === 'string'
        ? query.wsdl
        : undefined;
  if (wanted === undefined) return undefined;
  const document = service.contract.documents.find((candidate) => candidate.name === wanted);
  if (!document) return undefined;
  const text = readFileSync(document.file, 'utf8');
  const withImports = rewriteImportLocations(
    text,
    document,
    service.contract.documents,
    `${baseUrl}${portPath}`,
  );
  const body = document.name === '' ? rewriteAddresses(withImports, service, baseUrl) : withImports;
  return { contentType: 'text/xml; charset=utf-8', body };
}

// Attribute values of import/include elements that point at other files.
const IMPORT_LOCATION =
  /(<(?:[A-Za-z_][\w.-]*:)?(?:import|include|redefine)\b[^>]*?\b(?:location|schemaLocation)\s*=\s*)(["'])([^"']*)\2/g;

function rewriteImportLocations(
  text: string,
  document: ServedDocument,
  documents: ServedDocument[],
  portUrl: string,
): string {
  return text.replace(IMPORT_LOCATION, (whole, head: string, quote: string, location: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return whole; // absolute URLs stay as they are
    const target = path.resolve(path.dirname(document.file), location);
    const served = documents.find((candidate) => candidate.file === target);
    if (!served) return whole;
    const query = served.kind === 'xsd' ? 'xsd' : 'wsdl';
    return `${head}${quote}${portUrl}?${query}=${encodeURIComponent(served.name)}${quote}`;
  });
}

// A port element and the address element inside it.
const PORT_ELEMENT = /<((?:[A-Za-z_][\w.-]*:)?port)\b([^>]*)>([\s\S]*?)<\/\1>/g;
const PORT_NAME = /\bname\s*=\s*(["'])([^"']*)\1/;
const ADDRESS_LOCATION =
  /(<(?:[A-Za-z_][\w.-]*:)?address\b[^>]*?\blocation\s*=\s*)(["'])([^"']*)\2/;

function rewriteAddresses(text: string, service: SoapService, baseUrl: string): string {
  return text.replace(PORT_ELEMENT, (whole, tag: string, attributes: string, inner: string) => {
    const name = PORT_NAME.exec(attributes)?.[2];
    const bound = service.ports.find((candidate) => candidate.port.name === name);
    if (!bound) return whole;
    const rewritten = inner.replace(
      ADDRESS_LOCATION,
      (_match, head: string, quote: string) => `${head}${quote}${baseUrl}${bound.path}${quote}`,
    );
    return `<${tag}${attributes}>${rewritten}</${tag}>`;
  });
}
