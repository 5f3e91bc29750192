import type { LoadedPartner } from '../../partners/registry';
import type { Delimiters } from '../../x12/model';

/** Everything needed to write an interchange to one partner, defaults applied. */
export interface X12OutboundSettings {
  /** GS08, e.g. 004010. */
  version: string;
  /** ISA12, e.g. 00401. */
  interchangeVersion: string;
  sender: { qualifier: string; id: string };
  receiver: { qualifier: string; id: string };
  applicationSender: string;
  applicationReceiver: string;
  usage: 'P' | 'T';
  ackRequested: boolean;
  delimiters: Delimiters;
  lineEnding: string;
  batching: { mode: 'single' | 'group'; maxSets: number; windowMs: number };
  /** null: the partner sends no functional acks, nothing is ever overdue. */
  ackWindowMs: number | null;
}

const LINE_ENDINGS = { none: '', lf: '\n', crlf: '\r\n' } as const;

/**
 * The partner's x12.outbound settings with the defaults the partner schema documents: our
 * first id as sender, the partner's first id as receiver, 004010, `* > ^ ~`.
 * Throws when the partner has no x12 section: it cannot receive X12 at all.
 */
export function x12OutboundSettings(partner: LoadedPartner): X12OutboundSettings {
  const x12 = partner.config.x12;
  if (!x12) throw new Error(`partner ${partner.config.id} has no x12 section in ${partner.file}`);
  const outbound = x12.outbound ?? {};
  const version = outbound.version ?? '004010';
  const sender = outbound.sender ?? x12.ourIds[0]!;
  const receiver = outbound.receiver ?? x12.interchangeIds[0]!;
  // ISA12 is the version's first five digits: 004010 → 00401, 005010 → 00501.
  const interchangeVersion = version.slice(0, 5);
  const ackWindowHours = outbound.functionalAckWindowHours ?? 24;
  return {
    version,
    interchangeVersion,
    sender: { qualifier: sender.qualifier, id: sender.id },
    receiver: { qualifier: receiver.qualifier, id: receiver.id },
    applicationSender: outbound.applicationSender ?? x12.ourApplicationId ?? sender.id,
    applicationReceiver: outbound.applicationReceiver ?? x12.applicationIds?.[0] ?? receiver.id,
    usage: outbound.usage ?? 'P',
    ackRequested: outbound.ackRequested ?? false,
    delimiters: {
      element: outbound.delimiters?.element ?? '*',
      component: outbound.delimiters?.component ?? '>',
      // ISA11 is the repetition separator only from 00402 on; 004010 has none.
      repetition: interchangeVersion >= '00402' ? (outbound.delimiters?.repetition ?? '^') : null,
      segment: outbound.delimiters?.segment ?? '~',
    },
    lineEnding: LINE_ENDINGS[outbound.lineEnding ?? 'none'],
    batching: {
      mode: outbound.batching?.mode ?? 'single',
      maxSets: outbound.batching?.maxSets ?? 100,
      windowMs: (outbound.batching?.windowSeconds ?? 60) * 1000,
    },
    ackWindowMs: ackWindowHours > 0 ? ackWindowHours * 3_600_000 : null,
  };
}
