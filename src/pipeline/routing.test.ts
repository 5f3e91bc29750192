import fc from 'fast-check';
import type { CanonicalEvent } from '../canonical';
import { PartnerRegistry, type LoadedPartner, type Partner } from '../partners/registry';
import { matchesEventPattern, matchesFieldConditions, resolvePointer, routeEvent } from './routing';

describe('matchesEventPattern', () => {
  test.each([
    ['com.crossdock.purchase-order', 'com.crossdock.purchase-order', true],
    ['com.crossdock.purchase-order', 'com.crossdock.purchase-order-acknowledgment', false],
    ['com.crossdock.*', 'com.crossdock.invoice', true],
    ['com.crossdock.*', 'org.other.invoice', false],
    ['*', 'anything', true],
    ['com.*.invoice', 'com.crossdock.invoice', true],
    ['com.*.invoice', 'com.crossdock.invoice.v2', false],
    ['*order*', 'com.crossdock.purchase-order-acknowledgment', true],
    ['a*a', 'a', false],
  ])('%s against %s: %s', (pattern, type, expected) => {
    expect(matchesEventPattern(pattern, type)).toBe(expected);
  });

  test('agrees with an equivalent regular expression on any input', () => {
    const token = fc.constantFrom('a', 'b', '.', '-');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(token, fc.constant('*')), { maxLength: 8 }),
        fc.array(token, { maxLength: 10 }),
        (p, t) => {
          const pattern = p.join('');
          const type = t.join('');
          const regex = new RegExp(`^${pattern.replace(/[.-]/g, '\\$&').replace(/\*/g, '.*')}$`);
          expect(matchesEventPattern(pattern, type)).toBe(regex.test(type));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('routeEvent', () => {
  const partner = (config: Partner): LoadedPartner => ({
    config,
    file: `${config.id}.yaml`,
    missingEnv: [],
  });
  const webhook = { url: 'http://127.0.0.1:9/hooks', secret: '${SECRET}' };
  const registry = new PartnerRegistry([
    partner({
      id: 'erp',
      name: 'ERP',
      outbound: { channel: 'webhook', webhook },
      subscriptions: [{ events: ['com.crossdock.*'] }],
    }),
    partner({
      id: 'northwind',
      name: 'Northwind',
      outbound: { channel: 'x12-file', x12File: { directory: 'out/northwind' } },
      // An X12 partner's subscriptions never fan other partners' documents out to it.
      subscriptions: [{ events: ['com.crossdock.*'] }],
    }),
    partner({
      id: 'globex',
      name: 'Globex',
      outbound: {
        channel: 'x12-sftp',
        x12Sftp: {
          host: 'sftp.globex.test',
          username: 'acme',
          password: '${PW}',
          directory: '/in',
        },
      },
    }),
    partner({ id: 'portal', name: 'Portal', outbound: { channel: 'webhook', webhook } }),
    partner({
      id: 'retired',
      name: 'Retired',
      enabled: false,
      outbound: { channel: 'x12-file', x12File: { directory: 'out/retired' } },
      subscriptions: [{ events: ['com.crossdock.*'] }],
    }),
    partner({ id: 'no-channel', name: 'No channel' }),
  ]);

  const event = (type: string, recipientid?: string): CanonicalEvent => ({
    specversion: '1.0',
    id: 'evt_1',
    source: '/crossdock/partners/erp',
    type,
    time: '2024-03-16T10:00:00.000Z',
    datacontenttype: 'application/json',
    dataschema: 'https://schemas.crossdock.dev/canonical/invoice.json',
    data: {},
    partnerid: 'erp',
    ...(recipientid ? { recipientid } : {}),
    messageid: 'msg_1',
    correlationid: 'cor_1',
  });
  const destinations = (e: CanonicalEvent) =>
    routeEvent(e, registry)
      .map((r) => `${r.destination}:${r.channel}`)
      .sort();

  test('an addressed event goes to its recipient over its channel, and to webhook subscribers as before', () => {
    expect(destinations(event('com.crossdock.invoice', 'globex'))).toEqual([
      'erp:webhook',
      'globex:x12-sftp',
    ]);
  });

  test('an X12 partner gets only what is addressed to it, whatever it subscribes to', () => {
    expect(destinations(event('com.crossdock.invoice'))).toEqual(['erp:webhook']);
    expect(destinations(event('com.crossdock.invoice', 'northwind'))).toEqual([
      'erp:webhook',
      'northwind:x12-file',
    ]);
  });

  test('a webhook recipient gets the event without subscribing, once even when it subscribes', () => {
    expect(destinations(event('com.crossdock.ship-notice', 'portal'))).toEqual([
      'erp:webhook',
      'portal:webhook',
    ]);
    expect(destinations(event('com.crossdock.ship-notice', 'erp'))).toEqual(['erp:webhook']);
  });

  test('a disabled recipient or one without an outbound channel gets no delivery', () => {
    expect(destinations(event('com.crossdock.invoice', 'retired'))).toEqual(['erp:webhook']);
    expect(destinations(event('com.crossdock.invoice', 'no-channel'))).toEqual(['erp:webhook']);
  });
});

describe('subscription field filters (where)', () => {
  const purchaseOrder = (data: object, partnerid = 'globex'): CanonicalEvent => ({
    specversion: '1.0',
    id: 'evt_po',
    source: `/crossdock/partners/${partnerid}`,
    type: 'com.crossdock.purchase-order',
    subject: 'PO-1',
    time: '2024-03-16T10:00:00.000Z',
    datacontenttype: 'application/json',
    dataschema: 'https://schemas.crossdock.dev/canonical/purchase-order.json',
    data,
    partnerid,
    messageid: 'msg_1',
    correlationid: 'cor_1',
  });
  const po = {
    poNumber: 'PO-1',
    currency: 'USD',
    totalLines: 3,
    isRush: false,
    note: null,
    buyer: { partyIdentifiers: [{ scheme: 'DUNS', id: '123456789' }] },
    'a/b': { '~x': 'escaped' },
  };

  test.each<[string, Record<string, unknown>, boolean]>([
    ['one allowed value', { '/data/currency': 'USD' }, true],
    ['another value', { '/data/currency': 'EUR' }, false],
    ['a list of allowed values', { '/data/currency': ['EUR', 'USD'] }, true],
    ['a list without the value', { '/data/currency': ['EUR', 'GBP'] }, false],
    ['into an array by index', { '/data/buyer/partyIdentifiers/0/id': '123456789' }, true],
    ['past the end of an array', { '/data/buyer/partyIdentifiers/1/id': '123456789' }, false],
    ['an index with a leading zero', { '/data/buyer/partyIdentifiers/00/id': '123456789' }, false],
    ['a number as a number', { '/data/totalLines': 3 }, true],
    ['a number as a string', { '/data/totalLines': '3' }, false],
    ['a string as a number', { '/data/buyer/partyIdentifiers/0/id': 123456789 }, false],
    ['false as false', { '/data/isRush': false }, true],
    ['a present null as null', { '/data/note': null }, true],
    ['an absent field, even against null', { '/data/missing': null }, false],
    ['an object never', { '/data/buyer': 'x' }, false],
    ['an envelope attribute', { '/subject': 'PO-1', '/partnerid': 'globex' }, true],
    ['escaped ~1 and ~0', { '/data/a~1b/~0x': 'escaped' }, true],
    ['every pointer must hold', { '/data/currency': 'USD', '/data/isRush': true }, false],
  ])('%s', (_name, where, expected) => {
    expect(matchesFieldConditions(where as never, purchaseOrder(po))).toBe(expected);
  });

  test('resolvePointer names the whole document with the empty pointer and nothing past a scalar', () => {
    expect(resolvePointer({ a: 1 }, '')).toEqual({ a: 1 });
    expect(resolvePointer({ a: 1 }, '/a/b')).toBeUndefined();
    expect(resolvePointer({ a: [5] }, '/a/-')).toBeUndefined();
    // Inherited properties are not fields of the document.
    expect(resolvePointer({}, '/constructor')).toBeUndefined();
  });

  test('routing delivers only to subscribers whose where holds, with fromPartners and type', () => {
    const webhook = { url: 'http://127.0.0.1:9/hooks', secret: '${SECRET}' };
    const subscriber = (id: string, subscriptions: Partner['subscriptions']): LoadedPartner => ({
      config: { id, name: id, outbound: { channel: 'webhook', webhook }, subscriptions },
      file: `${id}.yaml`,
      missingEnv: [],
    });
    const registry = new PartnerRegistry([
      subscriber('usd-desk', [
        { events: ['com.crossdock.purchase-order'], where: { '/data/currency': 'USD' } },
      ]),
      subscriber('eur-desk', [
        { events: ['com.crossdock.purchase-order'], where: { '/data/currency': ['EUR', 'CHF'] } },
      ]),
      subscriber('northwind-desk', [
        {
          events: ['com.crossdock.*'],
          fromPartners: ['northwind'],
          where: { '/data/buyer/partyIdentifiers/0/id': '123456789' },
        },
      ]),
      // Two subscriptions: either one taking the event is enough.
      subscriber('either', [
        { events: ['com.crossdock.invoice'] },
        { events: ['com.crossdock.purchase-order'], where: { '/data/isRush': true } },
      ]),
    ]);
    const routed = (e: CanonicalEvent) =>
      routeEvent(e, registry)
        .map((r) => r.destination)
        .sort();
    expect(routed(purchaseOrder(po))).toEqual(['usd-desk']);
    expect(routed(purchaseOrder({ ...po, currency: 'CHF' }))).toEqual(['eur-desk']);
    expect(routed(purchaseOrder({ ...po, currency: 'JPY', isRush: true }, 'northwind'))).toEqual([
      'either',
      'northwind-desk',
    ]);
    expect(routed(purchaseOrder({ currency: 'GBP' }, 'northwind'))).toEqual([]);
  });
});
