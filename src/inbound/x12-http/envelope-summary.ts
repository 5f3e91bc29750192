import { EnvelopeReader, type EnvelopeItem } from '../../x12/envelope';

/** Beyond this many transaction sets the summary only counts (a 1 GB file holds ~700,000). */
const LISTED_SETS = 1000;

interface GroupSummary {
  functionalId: string;
  controlNumber: string;
  version: string;
  transactionSetCount: number;
  transactionSets: Array<{ setId: string; controlNumber: string }>;
  errors?: string[];
}

interface InterchangeSummary {
  controlNumber: string;
  sender: string;
  receiver: string;
  version: string;
  usage: string;
  groups: GroupSummary[];
  errors?: Array<{ code: string; message: string }>;
}

/**
 * What a posted X12 file holds, per interchange, group and transaction set, read while the
 * bytes stream into the store: the content of the 202 answer. Validation and acks come from
 * processing; this is the envelope as received.
 */
export class EnvelopeSummary {
  private readonly reader = new EnvelopeReader({ maxSegmentsPerSet: 1 });
  private readonly interchanges: InterchangeSummary[] = [];
  private readonly errors: Array<{ code: string; message: string; offset: number }> = [];
  private listed = 0;
  private totalSets = 0;

  push(chunk: Buffer): void {
    this.reader.push(chunk);
    for (const item of this.reader.takeItems()) this.take(item);
  }

  result(): {
    interchanges: InterchangeSummary[];
    transactionSetCount: number;
    isListComplete: boolean;
    errors?: unknown[];
  } {
    this.reader.end();
    for (const item of this.reader.takeItems()) this.take(item);
    return {
      interchanges: this.interchanges,
      transactionSetCount: this.totalSets,
      isListComplete: this.totalSets <= LISTED_SETS,
      ...(this.errors.length > 0 ? { errors: this.errors } : {}),
    };
  }

  private take(item: EnvelopeItem): void {
    const interchange = this.interchanges[this.interchanges.length - 1];
    const group = interchange?.groups[interchange.groups.length - 1];
    switch (item.kind) {
      case 'interchange':
        this.interchanges.push({
          controlNumber: item.header.controlNumber,
          sender: `${item.header.senderQualifier}/${item.header.senderId}`,
          receiver: `${item.header.receiverQualifier}/${item.header.receiverId}`,
          version: item.header.version,
          usage: item.header.usage,
          groups: [],
        });
        return;
      case 'group':
        interchange?.groups.push({
          functionalId: item.header.functionalId,
          controlNumber: item.header.controlNumber,
          version: item.header.version,
          transactionSetCount: 0,
          transactionSets: [],
        });
        return;
      case 'transaction':
        this.totalSets++;
        if (!group) return;
        group.transactionSetCount++;
        if (this.listed < LISTED_SETS) {
          this.listed++;
          group.transactionSets.push({ setId: item.setId, controlNumber: item.controlNumber });
        }
        return;
      case 'groupEnd':
        if (group && item.errors.length > 0) group.errors = item.errors;
        return;
      case 'interchangeEnd':
        if (interchange && item.errors.length > 0) {
          interchange.errors = item.errors.map((e) => ({ code: e.code, message: e.message }));
        }
        return;
      case 'error':
        this.errors.push({ code: item.code, message: item.message, offset: item.offset });
    }
  }
}
