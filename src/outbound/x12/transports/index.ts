import type { X12Transport } from '../transport';
import { x12FileTransport } from './file';
import { x12HttpTransport } from './http';
import { x12SftpTransport } from './sftp';

/** A partner file's `outbound.channel` → the transport that moves its interchanges. */
export const x12Transports: ReadonlyMap<X12Transport['channel'], X12Transport> = new Map(
  [x12HttpTransport, x12FileTransport, x12SftpTransport].map((transport) => [
    transport.channel,
    transport,
  ]),
);
