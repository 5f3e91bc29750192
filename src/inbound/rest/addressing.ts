import path from 'node:path';
import {
  documentByKind,
  type DocumentKind,
  type Invoice,
  type Party,
  type PurchaseOrderAcknowledgment,
  type ShipNotice,
  type TransferStatus,
} from '../../canonical';
import { Problem } from '../../http/problem';
import type { LoadedPartner, PartnerRegistry } from '../../partners/registry';
import { IntakeUnavailableError } from '../../pipeline/intake';
import type { InboundDocumentRecord, MessageStore } from '../../store/message-store';

/**
 * Documents a supplier's own systems send for a trading partner, in answer to its purchase
 * orders: each must be addressed to a partner before it is accepted.
 */
const ADDRESSED_KINDS: ReadonlySet<DocumentKind> = new Set<DocumentKind>([
  'PurchaseOrderAcknowledgment',
  'Invoice',
  'ShipNotice',
  'FunctionalAcknowledgment',
]);

/** Candidates looked at when the most recent purchase order's partner is gone or disabled. */
const PURCHASE_ORDER_CANDIDATES = 10;
/** The same for the funds transfer a status reports on. */
const FUNDS_TRANSFER_CANDIDATES = 10;

export interface Addressing {
  /** The partner the document goes to; null for documents that need none. */
  recipientId: string | null;
  /** Which rule found it. */
  via: 'header' | 'party-identifier' | 'purchase-order' | 'funds-transfer' | null;
  /**
   * The inbound document this one answers, when it was found: the purchase order of an
   * acknowledgment, invoice or ship notice, the funds transfer of a status. The answer joins
   * its correlation, so the operator sees the exchange as one chain.
   */
  answered?: InboundDocumentRecord;
}

/** The PO number a document answers: the acknowledgment's, the invoice's, the first order shipped. */
export function answeredPoNumber(kind: DocumentKind, document: object): string | undefined {
  switch (kind) {
    case 'PurchaseOrderAcknowledgment':
      return nonEmpty((document as PurchaseOrderAcknowledgment).poNumber);
    case 'Invoice':
      return nonEmpty((document as Invoice).poNumber);
    case 'ShipNotice':
      return nonEmpty((document as ShipNotice).orders?.[0]?.poNumber);
    default:
      return undefined;
  }
}

interface Tried {
  rule: 'X-Crossdock-Partner' | 'buyer party identifiers' | 'purchase order';
  outcome: string;
}

/**
 * Finds the partner a document posted over REST is for, in order: the `X-Crossdock-Partner`
 * header; the buyer party's identifiers matched against partners' `partyIdentifiers`; the
 * partner that sent the purchase order it answers, most recent first. A document that must be
 * addressed and is not gets a 422 problem listing what was tried. A transfer status is
 * addressed to the partner that submitted its transfer, when there is one.
 */
export async function resolveAddressing(input: {
  kind: DocumentKind;
  document: object;
  recipientHeader: string | undefined;
  /** Whether the answered purchase order is wanted even when the recipient is found without it. */
  wantsPurchaseOrder: boolean;
  partners: PartnerRegistry;
  store: MessageStore;
}): Promise<Addressing> {
  const { kind, document, partners } = input;
  const poNumber = answeredPoNumber(kind, document);
  const findPurchaseOrders = async (partnerId?: string) => {
    if (!poNumber) return [];
    try {
      return await input.store.findInboundDocuments({
        documentKind: 'PurchaseOrder',
        eventType: documentByKind('PurchaseOrder').eventType,
        businessKey: poNumber,
        partnerId,
        limit: partnerId ? 1 : PURCHASE_ORDER_CANDIDATES,
      });
    } catch (error) {
      throw new IntakeUnavailableError('store', { cause: error });
    }
  };
  const addressedTo = async (
    recipient: LoadedPartner,
    via: Addressing['via'],
  ): Promise<Addressing> => ({
    recipientId: reachable(recipient).config.id,
    via,
    answered: input.wantsPurchaseOrder
      ? (await findPurchaseOrders(recipient.config.id))[0]
      : undefined,
  });

  if (input.recipientHeader !== undefined) {
    const named = input.recipientHeader.trim();
    const partner = partners.get(named);
    if (!isEnabled(partner)) {
      throw new Problem(
        422,
        'unknown-partner',
        `X-Crossdock-Partner names "${named}", which is ${partner ? 'a disabled' : 'not a known'} partner.`,
        {
          tried: [{ rule: 'X-Crossdock-Partner', outcome: `"${named}" is not an enabled partner` }],
        },
      );
    }
    return addressedTo(partner, 'header');
  }
  if (kind === 'TransferStatus') {
    return addressTransferStatus(document as TransferStatus, partners, input.store);
  }
  if (!ADDRESSED_KINDS.has(kind)) return { recipientId: null, via: null };

  const tried: Tried[] = [{ rule: 'X-Crossdock-Partner', outcome: 'not sent' }];
  const identifiers = buyerIdentifiers(document);
  if (identifiers.length === 0) {
    tried.push({
      rule: 'buyer party identifiers',
      outcome: 'the document has no buyer party with identifiers',
    });
  } else {
    const matched = new Set<LoadedPartner>();
    for (const { scheme, value } of identifiers) {
      const partner = partners.byPartyIdentifier(scheme, value);
      if (partner) matched.add(partner);
    }
    if (matched.size > 1) {
      throw new Problem(
        422,
        'unknown-partner',
        `The buyer's identifiers name several partners (${[...matched].map((p) => p.config.id).join(', ')}); name one with X-Crossdock-Partner.`,
        { tried },
      );
    }
    const [partner] = matched;
    if (partner) return addressedTo(partner, 'party-identifier');
    tried.push({
      rule: 'buyer party identifiers',
      outcome: `no enabled partner has ${identifiers.map((i) => `${i.scheme} ${i.value}`).join(', ')}`,
    });
  }

  if (!poNumber) {
    tried.push({ rule: 'purchase order', outcome: 'the document names no PO number' });
  } else {
    const candidates = await findPurchaseOrders();
    const found = candidates.find((po) => isEnabled(partners.get(po.partnerId)));
    if (found) {
      reachable(partners.get(found.partnerId)!);
      return { recipientId: found.partnerId, via: 'purchase-order', answered: found };
    }
    tried.push({
      rule: 'purchase order',
      outcome:
        candidates.length === 0
          ? `no purchase order ${poNumber} has been received`
          : `purchase order ${poNumber} came from ${[...new Set(candidates.map((c) => c.partnerId))].join(', ')}, not an enabled partner`,
    });
  }
  throw new Problem(
    422,
    'unknown-partner',
    `No partner to send this ${kind} to; name one with X-Crossdock-Partner. Tried: ${tried
      .map((t) => `${t.rule}: ${t.outcome}`)
      .join('; ')}.`,
    { tried },
  );
}

/**
 * A transfer status goes back to the partner that submitted the transfer (the FundsTransfer
 * with the same endToEndId, most recent first). It is not refused without one: a status of a
 * transfer no partner submitted still reaches the apps that subscribe to statuses, and so does
 * one whose submitter has no outbound channel.
 */
async function addressTransferStatus(
  status: TransferStatus,
  partners: PartnerRegistry,
  store: MessageStore,
): Promise<Addressing> {
  const endToEndId = nonEmpty(status.endToEndId);
  if (!endToEndId) return { recipientId: null, via: null };
  let transfers: InboundDocumentRecord[];
  try {
    transfers = await store.findInboundDocuments({
      documentKind: 'FundsTransfer',
      eventType: documentByKind('FundsTransfer').eventType,
      businessKey: endToEndId,
      limit: FUNDS_TRANSFER_CANDIDATES,
    });
  } catch (error) {
    throw new IntakeUnavailableError('store', { cause: error });
  }
  const submitted = transfers.find((transfer) => {
    const partner = partners.get(transfer.partnerId);
    return isEnabled(partner) && partner.config.outbound !== undefined;
  });
  return submitted
    ? { recipientId: submitted.partnerId, via: 'funds-transfer', answered: submitted }
    : { recipientId: null, via: null, answered: transfers[0] };
}

function buyerIdentifiers(document: object): Array<{ scheme: string; value: string }> {
  const parties = (document as { parties?: Party[] }).parties ?? [];
  return parties
    .filter((party) => party.role === 'buyer')
    .flatMap((party) => party.identifiers ?? []);
}

/**
 * A document for a partner the gateway cannot send to would be stored and go nowhere: refuse
 * it at intake, where the ERP hears why, instead.
 */
function reachable(partner: LoadedPartner): LoadedPartner {
  if (!partner.config.outbound) {
    throw new Problem(
      422,
      'unknown-partner',
      `Partner ${partner.config.id} has no outbound channel in ${path.basename(partner.file)}, so nothing can be sent to it.`,
    );
  }
  return partner;
}

function isEnabled(partner: LoadedPartner | undefined): partner is LoadedPartner {
  return partner !== undefined && partner.config.enabled !== false;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value ? value : undefined;
}
