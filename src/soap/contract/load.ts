/**
 * Compiles a WSDL file (and every file it imports or includes) into ServiceContracts: one per
 * wsdl:service of the file, with its SOAP 1.1 and 1.2 ports (HTTP-binding ports are skipped),
 * their operations, and a reader/writer per message built from the schemas.
 *
 * The `soap` package serves these WSDLs, so it must read each one too: loading fails when it
 * cannot, and when it does not see a port or operation found here. The contract itself is read
 * from the documents, because the package's parse drops what the contract needs: the SOAP
 * version of a binding, the soap:body namespace of rpc operations, each schema file's own
 * elementFormDefault, list and union types, and HTTP-binding ports it silently ignores.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WSDL } from 'soap';
import { collectDocuments, WSDL_NAMESPACE, type ContractDocument } from './documents';
import { readElementValue } from './read';
import { namespacesReachableFrom, writeElementValue } from './write';
import { attributeOf, qualifiedNameOf, type DocumentNode } from './xml-document';
import { compileSchemas, type SchemaSet } from './xsd-compile';
import { ComplexTypeDefinition, ElementDeclaration, type Particle } from './xsd-model';
import type {
  ContractOperation,
  MessageShape,
  QualifiedName,
  ServiceContract,
  ServicePort,
  SoapVersion,
} from './types';

const SOAP_BINDING_NAMESPACES: Record<string, SoapVersion> = {
  'http://schemas.xmlsoap.org/wsdl/soap/': '1.1',
  'http://schemas.xmlsoap.org/wsdl/soap12/': '1.2',
};
const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

interface WsdlComponent {
  node: DocumentNode;
  document: ContractDocument;
}

export async function loadServiceContracts(wsdlFile: string): Promise<ServiceContract[]> {
  const file = path.resolve(wsdlFile);
  const documents = await collectDocuments(file);
  const main = documents[0] as ContractDocument;
  if (main.kind !== 'wsdl') throw new Error(`${file} is an XML Schema, not a WSDL`);
  const soapView = await readWithSoapPackage(file);
  const schemas = compileSchemas(documents);
  const components = indexWsdlComponents(documents);
  const targetNamespace = attributeOf(main.root, 'targetNamespace') ?? '';
  const contracts: ServiceContract[] = [];
  for (const service of wsdlChildren(main.root, 'service')) {
    const name = attributeOf(service, 'name') ?? '';
    const ports: ServicePort[] = [];
    for (const port of wsdlChildren(service, 'port')) {
      const compiled = compilePort(port, components, schemas, file, targetNamespace);
      if (!compiled) continue;
      checkSoapPackageSees(soapView, name, compiled, file);
      ports.push(compiled);
    }
    contracts.push({
      name,
      targetNamespace,
      wsdlFile: file,
      documents: documents.map(({ name: documentName, file: documentFile, kind, imports }) => ({
        name: documentName,
        file: documentFile,
        kind,
        imports,
      })),
      ports,
    });
  }
  return contracts;
}

async function readWithSoapPackage(file: string): Promise<SoapView> {
  const text = await readFile(file, 'utf8');
  return new Promise((resolve, reject) => {
    const wsdl = new WSDL(text, file, {});
    wsdl.onReady((error: unknown) => {
      if (error)
        reject(
          new Error(
            `the soap package cannot read ${file}: ${(error as Error).message ?? String(error)}`,
            { cause: error },
          ),
        );
      else resolve(wsdl as unknown as SoapView);
    });
  });
}

/** The little of the soap package's parse that the cross-check needs. */
interface SoapView {
  definitions: {
    services: Record<
      string,
      { ports: Record<string, { binding: { methods: Record<string, unknown> } }> }
    >;
  };
}

function checkSoapPackageSees(
  view: SoapView,
  service: string,
  port: ServicePort,
  file: string,
): void {
  const seen = view.definitions.services[service]?.ports[port.name];
  const missing = seen
    ? port.operations.filter((operation) => !(operation.name in seen.binding.methods))
    : [];
  if (!seen || missing.length > 0) {
    const what = seen
      ? `operation ${missing.map((operation) => operation.name).join(', ')} of port ${port.name}`
      : `port ${port.name}`;
    throw new Error(
      `${file}: the soap package does not see ${what} of service ${service}, so it could not serve it`,
    );
  }
}

function wsdlChildren(node: DocumentNode, name: string): DocumentNode[] {
  return node.children.filter((child) => child.ns === WSDL_NAMESPACE && child.name === name);
}

type WsdlIndex = Map<string, WsdlComponent>;

function indexWsdlComponents(documents: ContractDocument[]): WsdlIndex {
  const index: WsdlIndex = new Map();
  for (const document of documents) {
    if (document.kind !== 'wsdl') continue;
    const ns = attributeOf(document.root, 'targetNamespace') ?? '';
    for (const child of document.root.children) {
      const name = attributeOf(child, 'name');
      if (child.ns !== WSDL_NAMESPACE || name === undefined) continue;
      const key = `${child.name}{${ns}}${name}`;
      if (!index.has(key)) index.set(key, { node: child, document });
    }
  }
  return index;
}

function lookup(
  index: WsdlIndex,
  kind: string,
  from: DocumentNode,
  reference: string | undefined,
  file: string,
): DocumentNode {
  if (reference === undefined) throw new Error(`${file}: a wsdl:${kind} reference is missing`);
  const name = qualifiedNameOf(from, reference);
  const found = index.get(`${kind}{${name.ns}}${name.name}`);
  if (!found) throw new Error(`${file}: no wsdl:${kind} ${name.name} in namespace "${name.ns}"`);
  return found.node;
}

function compilePort(
  port: DocumentNode,
  index: WsdlIndex,
  schemas: SchemaSet,
  file: string,
  targetNamespace: string,
): ServicePort | undefined {
  const binding = lookup(index, 'binding', port, attributeOf(port, 'binding'), file);
  const soapBinding = binding.children.find(
    (child) => child.name === 'binding' && child.ns in SOAP_BINDING_NAMESPACES,
  );
  if (!soapBinding) return undefined;
  const soapNamespace = soapBinding.ns;
  const soapVersion = SOAP_BINDING_NAMESPACES[soapNamespace] as SoapVersion;
  const transport = attributeOf(soapBinding, 'transport') ?? '';
  if (
    transport !== 'http://schemas.xmlsoap.org/soap/http' &&
    transport !== 'http://www.w3.org/2003/05/soap/bindings/HTTP/'
  ) {
    return undefined;
  }
  const address = port.children.find(
    (child) => child.ns === soapNamespace && child.name === 'address',
  );
  const location = (address && attributeOf(address, 'location')) ?? '';
  const portType = lookup(index, 'portType', binding, attributeOf(binding, 'type'), file);
  const bindingStyle = attributeOf(soapBinding, 'style') === 'rpc' ? 'rpc' : 'document';
  const operations = wsdlChildren(binding, 'operation').map((operation) =>
    compileOperation(operation, {
      portType,
      soapNamespace,
      bindingStyle,
      index,
      schemas,
      file,
      targetNamespace,
    }),
  );
  return {
    name: attributeOf(port, 'name') ?? '',
    soapVersion,
    address: location,
    addressPath: pathOfAddress(location),
    operations,
  };
}

function pathOfAddress(location: string): string {
  try {
    return new URL(location).pathname;
  } catch {
    return location.startsWith('/') ? location : `/${location}`;
  }
}

interface OperationContext {
  portType: DocumentNode;
  soapNamespace: string;
  bindingStyle: 'document' | 'rpc';
  index: WsdlIndex;
  schemas: SchemaSet;
  file: string;
  /** The main WSDL's targetNamespace. */
  targetNamespace: string;
}

function compileOperation(operation: DocumentNode, context: OperationContext): ContractOperation {
  const { portType, soapNamespace, index, schemas, file } = context;
  const name = attributeOf(operation, 'name') ?? '';
  const abstract = wsdlChildren(portType, 'operation').find(
    (candidate) => attributeOf(candidate, 'name') === name,
  );
  if (!abstract) throw new Error(`${file}: the port type has no operation ${name}`);
  const soapOperation = operation.children.find(
    (child) => child.ns === soapNamespace && child.name === 'operation',
  );
  const style =
    soapOperation && attributeOf(soapOperation, 'style')
      ? attributeOf(soapOperation, 'style') === 'rpc'
        ? 'rpc'
        : 'document'
      : context.bindingStyle;
  const messageOf = (direction: 'input' | 'output'): MessageShape | undefined => {
    const abstractMessage = wsdlChildren(abstract, direction)[0];
    if (!abstractMessage) return undefined;
    const message = lookup(
      index,
      'message',
      abstractMessage,
      attributeOf(abstractMessage, 'message'),
      file,
    );
    const body = wsdlChildren(operation, direction)[0]?.children.find(
      (child) => child.ns === soapNamespace && child.name === 'body',
    );
    if (body && attributeOf(body, 'use') === 'encoded') {
      throw new Error(
        `${file}: operation ${name} uses SOAP encoding (use="encoded"); only literal messages are supported`,
      );
    }
    const partNames = body && attributeOf(body, 'parts')?.split(/\s+/).filter(Boolean);
    const parts = wsdlChildren(message, 'part').filter(
      (part) => !partNames || partNames.includes(attributeOf(part, 'name') ?? ''),
    );
    if (style === 'document')
      return messageShape(documentElement(parts, name, schemas, file), schemas);
    const wrapperName = direction === 'input' ? name : `${name}Response`;
    const bodyNamespace = (body && attributeOf(body, 'namespace')) ?? '';
    const wrapper = rpcWrapper(wrapperName, bodyNamespace, parts, schemas, file);
    // The `soap` package's client puts an rpc request's wrapper in the WSDL's targetNamespace,
    // not in soap:body's, which WSDL 1.1 §3.5 names for it. The same accessors are read under
    // that name too, so that client can call the service; replies keep soap:body's namespace.
    const aliases =
      direction === 'input' && bodyNamespace !== context.targetNamespace
        ? [rpcWrapper(wrapperName, context.targetNamespace, parts, schemas, file)]
        : [];
    return messageShape(wrapper, schemas, aliases);
  };
  const input = messageOf('input');
  if (!input)
    throw new Error(
      `${file}: operation ${name} has no input; notification operations are not supported`,
    );
  const output = messageOf('output');
  const faults = wsdlChildren(abstract, 'fault').map((fault) => {
    const message = lookup(index, 'message', fault, attributeOf(fault, 'message'), file);
    const part = wsdlChildren(message, 'part')[0];
    const element = part && attributeOf(part, 'element');
    const name = element === undefined ? undefined : qualifiedNameOf(part as DocumentNode, element);
    // The detail's codec: the gateway writes declared faults in the WSDL's own terms.
    const declaration = name && schemas.element(name);
    return {
      name: attributeOf(fault, 'name') ?? '',
      element: name,
      ...(declaration ? { detail: messageShape(declaration, schemas) } : {}),
    };
  });
  return {
    name,
    style,
    soapAction: (soapOperation && attributeOf(soapOperation, 'soapAction')) ?? '',
    input,
    ...(output ? { output } : {}),
    faults,
  };
}

/** Document style: the body holds the (first selected) part's element. */
function documentElement(
  parts: DocumentNode[],
  operation: string,
  schemas: SchemaSet,
  file: string,
): ElementDeclaration {
  const part = parts[0];
  if (!part) throw new Error(`${file}: a message of operation ${operation} has no part`);
  return partElement(part, schemas, file);
}

function partElement(part: DocumentNode, schemas: SchemaSet, file: string): ElementDeclaration {
  const element = attributeOf(part, 'element');
  if (element !== undefined) {
    const name = qualifiedNameOf(part, element);
    const declaration = schemas.element(name);
    if (!declaration)
      throw new Error(
        `${file}: part ${attributeOf(part, 'name')} refers to undeclared element ${describe(name)}`,
      );
    return declaration;
  }
  const typeName = attributeOf(part, 'type');
  if (typeName === undefined)
    throw new Error(`${file}: part ${attributeOf(part, 'name')} has neither element nor type`);
  const name = qualifiedNameOf(part, typeName);
  const type = schemas.type(name);
  if (!type)
    throw new Error(
      `${file}: part ${attributeOf(part, 'name')} refers to undeclared type ${describe(name)}`,
    );
  // WS-I BP R2735: rpc/literal part accessors are unqualified.
  return new ElementDeclaration(attributeOf(part, 'name') ?? '', '', false, () => type);
}

/** Rpc style: a wrapper named after the operation in the soap:body namespace, one accessor per part. */
function rpcWrapper(
  name: string,
  ns: string,
  parts: DocumentNode[],
  schemas: SchemaSet,
  file: string,
): ElementDeclaration {
  const particles: Particle[] = parts.map((part) => ({
    kind: 'element',
    element: partElement(part, schemas, file),
    min: 1,
    max: 1,
  }));
  const type = new ComplexTypeDefinition(`the ${name} wrapper`, () => ({
    attributes: [],
    anyAttribute: false,
    content: {
      kind: 'elements',
      particle: { kind: 'sequence', particles, min: 1, max: 1 },
      mixed: false,
    },
  }));
  return new ElementDeclaration(name, ns, false, () => type);
}

function describe(name: QualifiedName): string {
  return name.ns === '' ? name.name : `${name.name} in namespace ${name.ns}`;
}

function messageShape(
  declaration: ElementDeclaration,
  schemas: SchemaSet,
  aliases: ElementDeclaration[] = [],
): MessageShape {
  // Resolving every namespace now walks every type the message uses: a dangling type
  // reference stops start-up instead of failing a partner's first call.
  const prefixes = prefixesFor(namespacesReachableFrom(declaration), schemas);
  return {
    element: { ns: declaration.ns, name: declaration.name },
    alsoAccepted: aliases.map((alias) => ({ ns: alias.ns, name: alias.name })),
    read: (body) =>
      readElementValue(
        aliases.find((alias) => alias.ns === body.ns && alias.name === body.name) ?? declaration,
        body,
      ),
    write: (value) => writeElementValue(declaration, value, prefixes),
  };
}

function prefixesFor(namespaces: Set<string>, schemas: SchemaSet): Map<string, string> {
  const prefixes = new Map<string, string>();
  const taken = new Set(['xml', 'xmlns', 'xsi']);
  if (namespaces.has(XSI_NAMESPACE)) prefixes.set(XSI_NAMESPACE, 'xsi');
  let counter = 1;
  for (const ns of namespaces) {
    if (ns === XSI_NAMESPACE) continue;
    let prefix = schemas.preferredPrefix(ns);
    if (
      !prefix ||
      taken.has(prefix) ||
      !/^[A-Za-z_][\w.-]*$/.test(prefix) ||
      /^xml/i.test(prefix)
    ) {
      while (taken.has(`ns${counter}`)) counter++;
      prefix = `ns${counter}`;
    }
    taken.add(prefix);
    prefixes.set(ns, prefix);
  }
  return prefixes;
}
