import type { LoadedPartner } from '../../partners/registry';

/** One interchange, ready to leave: its bytes and what a file name or a log line needs. */
export interface X12Payload {
  bytes: Buffer;
  /** The stored outbound message holding these bytes. */
  messageId: string;
  partnerId: string;
  /** ISA13, nine digits. */
  isa13: string;
  /** GS06 of the first group. */
  gs06: string;
  /** ST01 of the first transaction set, e.g. 810. */
  setId: string;
  /** When the interchange was built (ISA09/ISA10). */
  createdAt: Date;
}

export interface X12TransportContext {
  deliveryId: string;
  attempt: number;
  /** CROSSDOCK_VAR_DIR: relative directories in partner files are under it. */
  varDir: string;
}

export interface X12TransportResult {
  /** HTTP status for x12-http, null for file and SFTP. */
  statusCode: number | null;
  /** Where the interchange went: the URL, the final file path, sftp://host/path. */
  location: string;
}

/**
 * Moves a built interchange to a partner over one medium. A failure is a DeliveryError:
 * retryable (endpoint down, timeout, 5xx, 429, connection refused) or permanent (4xx other than
 * 408/429, authentication refused, directory missing on the partner's server).
 */
export interface X12Transport {
  /** The partner file's `outbound.channel`. */
  channel: 'x12-http' | 'x12-file' | 'x12-sftp';
  send(
    payload: X12Payload,
    partner: LoadedPartner,
    context: X12TransportContext,
  ): Promise<X12TransportResult>;
  close?(): Promise<void>;
}
