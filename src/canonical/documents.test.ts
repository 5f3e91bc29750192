import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  documentByEventType,
  documentByKind,
  documentByResource,
  documentKinds,
  type DocumentKind,
} from './documents';
import { canonicalSchemas } from './schemas';

function readExample(resource: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, 'examples', `${resource}.json`), 'utf8'));
}

describe('the document catalogue', () => {
  it('names each kind once, with its own event type, resource and schema', () => {
    const kinds = documentKinds.map((descriptor) => descriptor.kind);
    expect(new Set(kinds).size).toBe(7);
    for (const key of ['eventType', 'resource', 'schemaId'] as const) {
      expect(new Set(documentKinds.map((descriptor) => descriptor[key])).size).toBe(7);
    }
  });

  it('uses the agreed event types and resources', () => {
    expect(
      documentKinds.map(({ kind, eventType, resource }) => [kind, eventType, resource]),
    ).toEqual([
      ['PurchaseOrder', 'com.crossdock.purchase-order', 'purchase-orders'],
      [
        'PurchaseOrderAcknowledgment',
        'com.crossdock.purchase-order-acknowledgment',
        'po-acknowledgments',
      ],
      ['Invoice', 'com.crossdock.invoice', 'invoices'],
      ['ShipNotice', 'com.crossdock.ship-notice', 'ship-notices'],
      ['FundsTransfer', 'com.crossdock.funds-transfer', 'funds-transfers'],
      ['TransferStatus', 'com.crossdock.transfer-status', 'transfer-statuses'],
      [
        'FunctionalAcknowledgment',
        'com.crossdock.functional-acknowledgment',
        'functional-acknowledgments',
      ],
    ]);
  });

  it('points each kind at a schema with that $id whose title is the kind', () => {
    const schemas = canonicalSchemas() as Record<string, { title?: string }>;
    for (const descriptor of documentKinds) {
      expect(schemas[descriptor.schemaId]?.title).toBe(descriptor.kind);
    }
  });

  it('finds descriptors by kind, resource and event type', () => {
    const invoice = documentByKind('Invoice');
    expect(documentByResource('invoices')).toBe(invoice);
    expect(documentByEventType('com.crossdock.invoice')).toBe(invoice);
    expect(documentByResource('orders')).toBeUndefined();
    expect(documentByEventType('com.crossdock.order')).toBeUndefined();
    expect(() => documentByKind('Order' as DocumentKind)).toThrow(
      /unknown canonical document kind/,
    );
  });

  it.each([
    ['purchase-orders', '4500012345'],
    ['po-acknowledgments', '4500012345'],
    ['invoices', 'INV-2024-01877'],
    ['ship-notices', 'ASN-20240328-0007'],
    ['funds-transfers', 'NWR-PAY-000381'],
    ['transfer-statuses', 'NWR-PAY-000381'],
    ['functional-acknowledgments', '1001'],
  ])('reads the business key of the %s example', (resource, key) => {
    expect(documentByResource(resource)?.businessKey(readExample(resource))).toBe(key);
  });

  it('keys a transfer status by its transfer id when it has no end-to-end id', () => {
    const status = documentByKind('TransferStatus');
    expect(status.businessKey({ transferId: 'TRF-1', status: 'accepted' })).toBe('TRF-1');
  });

  it('has no business key for values that are not documents', () => {
    const po = documentByKind('PurchaseOrder');
    for (const value of [undefined, null, 'PO-1', [], {}, { poNumber: 12 }, { poNumber: '' }]) {
      expect(po.businessKey(value)).toBeUndefined();
    }
  });
});
