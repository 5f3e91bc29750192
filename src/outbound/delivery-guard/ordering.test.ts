import { createEvent } from '../../canonical';
import type { LoadedPartner } from '../../partners/registry';
import type { Subscription } from '../../partners/partner.generated';
import { orderKeyFor } from './ordering';

function subscriber(subscriptions: Subscription[]): LoadedPartner {
  return {
    config: {
      id: 'billing-app',
      name: 'Billing',
      outbound: { channel: 'webhook', webhook: { url: 'http://x', secret: '${S}' } },
      subscriptions,
    },
    file: 'billing-app.yaml',
    missingEnv: [],
  } as LoadedPartner;
}

const po = (subject?: string) =>
  createEvent({
    id: 'evt_1_1',
    source: '/crossdock/partners/globex-retail',
    kind: 'PurchaseOrder',
    subject,
    data: { poNumber: 'PO-1' },
    partnerId: 'globex-retail',
    messageId: 'msg_1',
    correlationId: 'cor_1',
  });

describe('orderKeyFor', () => {
  test('an ordered subscription that takes the event orders it by its subject', () => {
    const partner = subscriber([{ events: ['com.crossdock.*'], ordered: true }]);
    expect(orderKeyFor(po('PO-7'), partner)).toBe('PO-7');
  });

  test('unordered, another event type, another source partner: no order key', () => {
    expect(orderKeyFor(po('PO-7'), subscriber([{ events: ['com.crossdock.*'] }]))).toBeNull();
    expect(
      orderKeyFor(po('PO-7'), subscriber([{ events: ['com.crossdock.invoice'], ordered: true }])),
    ).toBeNull();
    expect(
      orderKeyFor(
        po('PO-7'),
        subscriber([{ events: ['com.crossdock.*'], fromPartners: ['other'], ordered: true }]),
      ),
    ).toBeNull();
  });

  test('any ordered subscription among several that take the event orders it', () => {
    const partner = subscriber([
      { events: ['com.crossdock.*'] },
      { events: ['com.crossdock.purchase-order'], ordered: true },
    ]);
    expect(orderKeyFor(po('PO-8'), partner)).toBe('PO-8');
  });
});
