/**
 * What a WSDL promises, compiled once at start (load.ts) from the `soap` package's parse of the
 * WSDL and every file it imports or includes: the ports with their SOAP version, the operations
 * with their style and actions, and the schema of each message, which read.ts checks requests
 * against and write.ts writes responses by.
 */
import type { XmlElement } from '../xml-tree';

export type SoapVersion = '1.1' | '1.2';

export interface ServiceContract {
  /** The wsdl:service name. */
  name: string;
  targetNamespace: string;
  /** The WSDL file itself. */
  wsdlFile: string;
  /**
   * Every document to serve for `?wsdl`: the WSDL and the files it imports or includes, by a
   * short name unique within the service (the main WSDL is ''), with the absolute path.
   */
  documents: ServedDocument[];
  ports: ServicePort[];
}

export interface ServedDocument {
  /** '' for the main WSDL, else e.g. 'FundsTransferMessages.xsd'. */
  name: string;
  file: string;
  kind: 'wsdl' | 'xsd';
  /**
   * The imports/includes written in this file: each location exactly as written (what to
   * rewrite in the served copy) and the name of the document it points at.
   */
  imports: { location: string; document: string }[];
}

export interface ServicePort {
  name: string;
  soapVersion: SoapVersion;
  /** The soap:address location as written in the WSDL. */
  address: string;
  /** Path part of the address ('/soap/funds-transfer'), where the gateway serves the port by default. */
  addressPath: string;
  operations: ContractOperation[];
}

export interface ContractOperation {
  name: string;
  style: 'document' | 'rpc';
  /** The binding's soapAction ('' when it declares none). */
  soapAction: string;
  /** The request body: what read.ts checks and turns into a plain value. */
  input: MessageShape;
  /** The response body; undefined for a one-way operation. */
  output?: MessageShape;
  /** Declared faults, by wsdl:fault name. */
  faults: ContractFault[];
}

/** A declared wsdl:fault; `detail` reads and writes its detail element (absent when it has none). */
export interface ContractFault {
  name: string;
  element: QualifiedName | undefined;
  detail?: MessageCodec;
}

export interface QualifiedName {
  ns: string;
  name: string;
}

/**
 * A message's body content. Document style: one element (the wrapper, for document/literal
 * wrapped). Rpc style: a wrapper element named after the operation in the soap:body namespace,
 * holding one accessor element per part.
 */
export interface MessageShape extends MessageCodec {
  /** The element the Body's first child must be. */
  element: QualifiedName;
  /**
   * Other names a request's element is read under: an rpc wrapper in the WSDL's
   * targetNamespace, where the `soap` package's client (1.13) writes it whatever soap:body's
   * namespace says. Callers give way to any operation whose `element` it is.
   */
  alsoAccepted: QualifiedName[];
}

/** One problem with a request body, named by the element path where it was found. */
export interface SchemaIssue {
  /** e.g. 'SubmitTransfer/Debtor/Account/IbanAccount/Iban' */
  path: string;
  message: string;
}

/**
 * The compiled contract's reading and writing, per operation message. Values are plain JSON:
 * element local names as keys, every leaf a string exactly as written (whitespace collapsed
 * where the XSD type says so), an element that may repeat always an array, an element with
 * attributes and simple content `{ value, <attribute>... }`.
 */
export interface MessageCodec {
  read(
    body: XmlElement,
  ): { ok: true; value: Record<string, unknown> } | { ok: false; issues: SchemaIssue[] };
  /** The element's XML (with namespace declarations); throws ContractWriteError when the value breaks the schema. */
  write(value: Record<string, unknown>): string;
}
