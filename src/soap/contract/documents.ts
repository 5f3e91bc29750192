/**
 * The set of files a WSDL is made of: the WSDL itself and every WSDL or XSD it reaches through
 * wsdl:import, xsd:import, xsd:include and xsd:redefine, each read once, each given a short name
 * under which the gateway serves it next to `?wsdl`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { attributeOf, readXmlDocument, type DocumentNode } from './xml-document';
import type { ServedDocument } from './types';

export const WSDL_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/';
export const XSD_NAMESPACE = 'http://www.w3.org/2001/XMLSchema';

export interface ContractDocument extends ServedDocument {
  root: DocumentNode;
}

export async function collectDocuments(wsdlFile: string): Promise<ContractDocument[]> {
  const mainFile = path.resolve(wsdlFile);
  const documents: ContractDocument[] = [];
  const byFile = new Map<string, ContractDocument>();
  const usedNames = new Set<string>();

  async function visit(file: string, isMain: boolean): Promise<ContractDocument> {
    const known = byFile.get(file);
    if (known) return known;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
    let root: DocumentNode;
    try {
      root = readXmlDocument(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new Error(`${file} is not well-formed XML: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const kind = kindOf(root, file);
    const name = isMain ? '' : uniqueName(file, path.dirname(mainFile), usedNames);
    const document: ContractDocument = { name, file, kind, root, imports: [] };
    byFile.set(file, document);
    documents.push(document);
    for (const location of referencedLocations(root)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^file:/i.test(location)) {
        throw new Error(
          `${file} imports ${location}: remote imports are not fetched; save the file beside the WSDL and refer to it by a relative location`,
        );
      }
      const target = path.resolve(path.dirname(file), location.replace(/^file:\/\//i, ''));
      const imported = await visit(target, false);
      document.imports.push({ location, document: imported.name });
    }
    return document;
  }

  await visit(mainFile, true);
  return documents;
}

function kindOf(root: DocumentNode, file: string): 'wsdl' | 'xsd' {
  if (root.ns === WSDL_NAMESPACE && root.name === 'definitions') return 'wsdl';
  if (root.ns === XSD_NAMESPACE && root.name === 'schema') return 'xsd';
  throw new Error(`${file} is neither a WSDL 1.1 definitions nor an XML Schema document`);
}

/** The schemas a document holds: the root of an XSD, the wsdl:types schemas of a WSDL. */
export function schemasOf(document: ContractDocument): DocumentNode[] {
  if (document.kind === 'xsd') return [document.root];
  return document.root.children
    .filter((child) => child.ns === WSDL_NAMESPACE && child.name === 'types')
    .flatMap((types) =>
      types.children.filter((child) => child.ns === XSD_NAMESPACE && child.name === 'schema'),
    );
}

function referencedLocations(root: DocumentNode): string[] {
  const locations: string[] = [];
  const fromSchema = (schema: DocumentNode): void => {
    for (const child of schema.children) {
      if (child.ns !== XSD_NAMESPACE) continue;
      if (child.name !== 'import' && child.name !== 'include' && child.name !== 'redefine')
        continue;
      const location = attributeOf(child, 'schemaLocation');
      if (location) locations.push(location);
    }
  };
  if (root.ns === XSD_NAMESPACE) fromSchema(root);
  for (const child of root.children) {
    if (child.ns === WSDL_NAMESPACE && child.name === 'import') {
      const location = attributeOf(child, 'location');
      if (location) locations.push(location);
    }
    if (child.ns === WSDL_NAMESPACE && child.name === 'types') {
      for (const schema of child.children) {
        if (schema.ns === XSD_NAMESPACE && schema.name === 'schema') fromSchema(schema);
      }
    }
  }
  return locations;
}

function uniqueName(file: string, mainDirectory: string, used: Set<string>): string {
  const relative = path.relative(mainDirectory, file).split(path.sep).join('/');
  const candidates = [path.basename(file), relative.replace(/^(\.\.\/)+/, '')];
  for (const candidate of candidates) {
    if (candidate && !used.has(candidate)) {
      used.add(candidate);
      return candidate;
    }
  }
  for (let suffix = 2; ; suffix++) {
    const candidate = `${suffix}-${path.basename(file)}`;
    if (!used.has(candidate)) {
      used.add(candidate);
      return candidate;
    }
  }
}
