/**
 * The catalogue of canonical business documents: for each kind, the event type that carries it,
 * the REST resource that accepts it, the schema it conforms to and the field that names it.
 */
import { schemaBaseUri } from './schemas';
import type { CanonicalSchemas } from './types.generated';

export type DocumentKind =
  | 'PurchaseOrder'
  | 'PurchaseOrderAcknowledgment'
  | 'Invoice'
  | 'ShipNotice'
  | 'FundsTransfer'
  | 'TransferStatus'
  | 'FunctionalAcknowledgment';

/** The generated type of each kind's document; kinds are the schemas' titles. */
export type DocumentOfKind<K extends DocumentKind> = CanonicalSchemas[K];

export interface DocumentDescriptor {
  kind: DocumentKind;
  /** CloudEvents `type` of the events carrying this document, e.g. 'com.crossdock.purchase-order'. */
  eventType: string;
  /** REST path segment, e.g. 'purchase-orders'. */
  resource: string;
  /** `$id` of the document's JSON Schema; events carry it as `dataschema`. */
  schemaId: string;
  /** The business identifier of a document (PO number, invoice number...), if it has one. */
  businessKey(doc: unknown): string | undefined;
}

/** Reads the first of `path`'s candidates that holds a non-empty string. */
function readKey(doc: unknown, ...paths: (readonly string[])[]): string | undefined {
  for (const path of paths) {
    let value: unknown = doc;
    for (const name of path) {
      value =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? (value as Record<string, unknown>)[name]
          : undefined;
    }
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function describe(
  kind: DocumentKind,
  name: string,
  resource: string,
  keyPaths: (readonly string[])[],
): DocumentDescriptor {
  return {
    kind,
    eventType: `com.crossdock.${name}`,
    resource,
    schemaId: `${schemaBaseUri}${name}.json`,
    businessKey: (doc) => readKey(doc, ...keyPaths),
  };
}

export const documentKinds: readonly DocumentDescriptor[] = Object.freeze([
  describe('PurchaseOrder', 'purchase-order', 'purchase-orders', [['poNumber']]),
  describe('PurchaseOrderAcknowledgment', 'purchase-order-acknowledgment', 'po-acknowledgments', [
    ['poNumber'],
  ]),
  describe('Invoice', 'invoice', 'invoices', [['invoiceNumber']]),
  describe('ShipNotice', 'ship-notice', 'ship-notices', [['shipmentId']]),
  describe('FundsTransfer', 'funds-transfer', 'funds-transfers', [['endToEndId']]),
  // A status is keyed like the transfer it reports on, so both share a subject.
  describe('TransferStatus', 'transfer-status', 'transfer-statuses', [
    ['endToEndId'],
    ['transferId'],
  ]),
  describe('FunctionalAcknowledgment', 'functional-acknowledgment', 'functional-acknowledgments', [
    ['acknowledgedGroup', 'groupControlNumber'],
  ]),
]);

const byKind = new Map(documentKinds.map((descriptor) => [descriptor.kind, descriptor]));
const byResource = new Map(documentKinds.map((descriptor) => [descriptor.resource, descriptor]));
const byEventType = new Map(documentKinds.map((descriptor) => [descriptor.eventType, descriptor]));

export function documentByKind(kind: DocumentKind): DocumentDescriptor {
  const descriptor = byKind.get(kind);
  if (!descriptor) throw new TypeError(`unknown canonical document kind: ${String(kind)}`);
  return descriptor;
}

export function documentByResource(resource: string): DocumentDescriptor | undefined {
  return byResource.get(resource);
}

export function documentByEventType(type: string): DocumentDescriptor | undefined {
  return byEventType.get(type);
}
