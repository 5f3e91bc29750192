import fc from 'fast-check';
import type { CanonicalEvent } from '../canonical';
import { PartnerRegistry, type LoadedPartner, type Partner } from '../partners/registry';
import { matchesEventPattern, routeEvent } from './routing';

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
