/**
 * The credentials a partner's SOAP service asks for, as one `soap` security object: the
 * package's client holds a single one, while a bank may want a UsernameToken in the header,
 * a client certificate on the connection and HTTP Basic at its proxy, all at once.
 */
import { readFile } from 'node:fs/promises';
import type { Agent } from 'node:https';
import { BasicAuthSecurity, ClientSSLSecurity, WSSecurity, type ISecurity } from 'soap';
import { DeliveryError } from '../adapter';
import type { SoapChannel } from './settings';

/** Every part's header XML, HTTP headers and request options, in the order given. */
export class ChannelSecurity implements ISecurity {
  constructor(private readonly parts: readonly ISecurity[]) {}

  toXML(): string {
    return this.parts.map((part) => part.toXML?.() ?? '').join('');
  }

  addHeaders(headers: Record<string, unknown>): void {
    for (const part of this.parts) part.addHeaders?.(headers);
  }

  addOptions(options: Record<string, unknown>): void {
    for (const part of this.parts) part.addOptions?.(options);
  }

  /** The keep-alive TLS agent a client certificate's connections share, once it has one. */
  close(): void {
    for (const part of this.parts) {
      const agent = (part as { agent?: Agent | null }).agent;
      agent?.destroy();
    }
  }
}

/** Builds the channel's security; a certificate file that cannot be read is a dead letter. */
export async function buildChannelSecurity(
  partnerId: string,
  channel: SoapChannel,
): Promise<ChannelSecurity | undefined> {
  const parts: ISecurity[] = [];
  if (channel.security) {
    parts.push(
      new WSSecurity(channel.security.username, channel.security.password, {
        passwordType: channel.security.passwordType ?? 'PasswordDigest',
        // A nonce and Created in every token, so the receiver can refuse a replayed request.
        hasNonce: true,
        hasTokenCreated: true,
        hasTimeStamp: true,
      }),
    );
  }
  if (channel.basicAuth) {
    parts.push(new BasicAuthSecurity(channel.basicAuth.username, channel.basicAuth.password));
  }
  if (channel.tls) {
    const { certFile, keyFile, caFile, passphrase } = channel.tls;
    const [cert, key, ca] = await Promise.all([
      readPem(partnerId, 'certFile', certFile),
      readPem(partnerId, 'keyFile', keyFile),
      readPem(partnerId, 'caFile', caFile),
    ]);
    // `forever` makes the package keep one keep-alive agent instead of one per call.
    parts.push(new ClientSSLSecurity(key ?? '', cert ?? '', ca, { passphrase, forever: true }));
  }
  return parts.length > 0 ? new ChannelSecurity(parts) : undefined;
}

async function readPem(
  partnerId: string,
  setting: string,
  file: string | undefined,
): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file);
  } catch (error) {
    throw new DeliveryError(
      `partner ${partnerId}: outbound.soap.tls.${setting} ${file} cannot be read (${(error as Error).message})`,
      false,
      null,
      undefined,
      { cause: error },
    );
  }
}
