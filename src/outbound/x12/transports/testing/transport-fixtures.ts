import type { Outbound } from '../../../../partners/partner.generated';
import type { LoadedPartner } from '../../../../partners/registry';
import type { X12Payload, X12TransportContext } from '../../transport';

/** A small but real 810 interchange's worth of bytes and the facts a transport names it by. */
export function testPayload(overrides: Partial<X12Payload> = {}): X12Payload {
  const isa13 = overrides.isa13 ?? '000000042';
  return {
    bytes: Buffer.from(
      `ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*GLOBEXRETAIL   *260102*0304*U*00401*${isa13}*0*P*>~` +
        'GS*IN*ACMESUPPLY*GLOBEXRETAIL*20260102*0304*7*X*004010~ST*810*0001~BIG*20260102*INV-1~SE*3*0001~' +
        `GE*1*7~IEA*1*${isa13}~`,
    ),
    messageId: 'msg_x12out_1',
    partnerId: 'globex-retail',
    isa13,
    gs06: '7',
    setId: '810',
    createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
    ...overrides,
  };
}

/** A partner that receives X12 over the given outbound settings, as the registry loads it. */
export function partnerWithOutbound(outbound: Outbound, missingEnv: string[] = []): LoadedPartner {
  return {
    config: { id: 'globex-retail', name: 'Globex Retail', outbound },
    file: 'partners/globex-retail.yaml',
    missingEnv,
  };
}

export function testContext(varDir: string, attempt = 1): X12TransportContext {
  return { deliveryId: 'dlv_test_1', attempt, varDir };
}
