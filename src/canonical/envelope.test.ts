import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEvent } from './envelope';
import type { PurchaseOrder } from './types.generated';
import { validateEvent } from './validate';

const purchaseOrder = JSON.parse(
  readFileSync(join(__dirname, 'examples', 'purchase-orders.json'), 'utf8'),
) as PurchaseOrder;

function purchaseOrderEvent() {
  return createEvent({
    id: 'evt-01HV7Q',
    source: '/partners/northwind/x12-http',
    kind: 'PurchaseOrder',
    time: '2024-03-15T13:05:22.120Z',
    data: purchaseOrder,
    partnerId: 'northwind',
    messageId: 'msg-7731',
    correlationId: 'corr-4500012345',
  });
}

describe('createEvent', () => {
  it('wraps a document in a CloudEvents 1.0 envelope described by its kind', () => {
    expect(purchaseOrderEvent()).toEqual({
      specversion: '1.0',
      id: 'evt-01HV7Q',
      source: '/partners/northwind/x12-http',
      type: 'com.crossdock.purchase-order',
      subject: '4500012345',
      time: '2024-03-15T13:05:22.120Z',
      datacontenttype: 'application/json',
      dataschema: 'https://schemas.crossdock.dev/canonical/purchase-order.json',
      data: purchaseOrder,
      partnerid: 'northwind',
      messageid: 'msg-7731',
      correlationid: 'corr-4500012345',
    });
  });

  it('makes events that validate', () => {
    expect(validateEvent(purchaseOrderEvent())).toEqual([]);
    expect(validateEvent(JSON.parse(JSON.stringify(purchaseOrderEvent())))).toEqual([]);
  });

  it('keeps the data typed', () => {
    const poNumber: string = purchaseOrderEvent().data.poNumber;
    expect(poNumber).toBe('4500012345');
  });

  it('takes an explicit subject, and stamps the current time when none is given', () => {
    const before = Date.now();
    const event = createEvent({
      id: 'evt-2',
      source: 'urn:crossdock:bank-soap',
      kind: 'TransferStatus',
      subject: 'TRF-1',
      data: { transferId: 'TRF-1', status: 'accepted', statusTime: '2024-04-05T09:00:00Z' },
      partnerId: 'first-bank',
      messageId: 'msg-2',
      correlationId: 'corr-2',
    });
    expect(event.subject).toBe('TRF-1');
    expect(Date.parse(event.time)).toBeGreaterThanOrEqual(before - 1);
    expect(validateEvent(event)).toEqual([]);
  });

  it('leaves the subject out when the document has no business key', () => {
    const event = createEvent({
      id: 'evt-3',
      source: '/rest',
      kind: 'Invoice',
      data: {},
      partnerId: 'p',
      messageId: 'm',
      correlationId: 'c',
    });
    expect(event).not.toHaveProperty('subject');
  });
});

describe('validateEvent', () => {
  it('checks the envelope', () => {
    const event: Record<string, unknown> = { ...purchaseOrderEvent(), specversion: '0.3' };
    delete event.correlationid;
    event.time = 'yesterday';
    event.traceId = 'abc';
    expect(validateEvent(event)).toEqual([
      { pointer: '/correlationid', keyword: 'required', message: 'is required' },
      {
        pointer: '/traceId',
        keyword: 'additionalProperties',
        message: 'is not a known property here',
      },
      { pointer: '/specversion', keyword: 'const', message: 'must be "1.0"' },
      {
        pointer: '/time',
        keyword: 'format',
        message: 'must be a date-time with an offset like "2024-03-15T09:30:00Z"',
      },
    ]);
  });

  it('checks the data against the schema of the event type, pointing into /data', () => {
    const event = purchaseOrderEvent();
    const data = { ...event.data, lines: [{ ...event.data.lines[0], quantity: 48 }] };
    expect(validateEvent({ ...event, data })).toEqual([
      {
        pointer: '/data/lines/0/quantity',
        keyword: 'type',
        message: 'must be a decimal string like "12.50", not a JSON number',
      },
    ]);
  });

  it('knows only the canonical event types', () => {
    expect(validateEvent({ ...purchaseOrderEvent(), type: 'com.example.order' })).toEqual([
      {
        pointer: '/type',
        keyword: 'enum',
        message: expect.stringMatching(/^must be one of "com\.crossdock\.purchase-order", /),
      },
    ]);
  });

  it('requires the dataschema of the event type', () => {
    const event = {
      ...purchaseOrderEvent(),
      dataschema: 'https://schemas.crossdock.dev/canonical/invoice.json',
    };
    expect(validateEvent(event)).toEqual([
      {
        pointer: '/dataschema',
        keyword: 'const',
        message:
          'must be "https://schemas.crossdock.dev/canonical/purchase-order.json" for com.crossdock.purchase-order events',
      },
    ]);
  });

  it('rejects what is not an event', () => {
    expect(validateEvent('hello')).toEqual([
      { pointer: '', keyword: 'type', message: 'must be an object' },
    ]);
  });
});
