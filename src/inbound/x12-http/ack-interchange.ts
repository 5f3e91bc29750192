import type { LoadedPartner } from '../../partners/registry';
import type { MessageStore } from '../../store/message-store';
import type { FunctionalGroupHeader, InterchangeHeader } from '../../x12/model';
import { serializeSegments, wrapInterchange, type SegmentData } from '../../x12/serialize';

export interface PendingFunctionalAck {
  kind: '997' | '999';
  group: FunctionalGroupHeader;
  /** The ack's ST..SE, its ST02 to be filled in with an allocated control number. */
  build(controlNumber: string): SegmentData[];
}

/**
 * Wraps what answers one inbound interchange (a TA1 and/or 997/999 sets) in an interchange
 * of our own, from us to the partner, with ISA13, GS06 and ST02 allocated from the store so
 * they never repeat. Written with the partner's own separators, as it sent them.
 */
export async function buildAckInterchange(input: {
  inbound: InterchangeHeader;
  partner: LoadedPartner;
  ta1?: SegmentData;
  acks: PendingFunctionalAck[];
  store: MessageStore;
  now: Date;
}): Promise<string> {
  const { inbound, partner, acks, store } = input;
  const relationship = partner.config.x12!;
  const us = relationship.ourIds[0]!;
  const partnerId = partner.config.id;
  const numbers = await store.allocateInterchangeNumbers(partnerId, {
    groups: acks.length,
    sets: acks.length,
  });
  const segments = wrapInterchange({
    sender: { qualifier: us.qualifier, id: us.id },
    receiver: { qualifier: inbound.senderQualifier, id: inbound.senderId },
    controlNumber: numbers.isa13,
    version: inbound.version,
    usage:
      inbound.usage === 'P' || inbound.usage === 'T' || inbound.usage === 'I' ? inbound.usage : 'P',
    ackRequested: false,
    delimiters: inbound.delimiters,
    now: input.now,
    ta1: input.ta1,
    // One functional group per acknowledged group: a 997 answers in the version of the
    // group it acknowledges, a 999 in the 005010X231A1 implementation.
    groups: acks.map((ack, index) => ({
      functionalId: 'FA',
      applicationSender: relationship.ourApplicationId ?? us.id,
      applicationReceiver: ack.group.applicationSender || inbound.senderId,
      controlNumber: numbers.gs06[index]!,
      version: ack.kind === '999' ? '005010X231A1' : ack.group.version,
      transactionSets: [ack.build(numbers.st02[index]!)],
    })),
  });
  return serializeSegments(segments, inbound.delimiters);
}
