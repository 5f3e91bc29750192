import { unresolvedRefs } from '../../partners/env-refs';
import type { SoapChannel } from '../../partners/partner.generated';
import type { LoadedPartner } from '../../partners/registry';
import { DeliveryError } from '../adapter';

export type { SoapChannel } from '../../partners/partner.generated';

/** Thirty seconds: banks' SOAP services are slow more often than they are down. */
export const DEFAULT_SOAP_TIMEOUT_MS = 30_000;

/**
 * The partner's `outbound.soap` settings, once every environment value they name is set. A
 * missing one makes the delivery a dead letter that names it; once it is set, a replay sends.
 */
export function soapChannelOf(partner: LoadedPartner): SoapChannel {
  const channel = partner.config.outbound?.soap;
  if (!channel) {
    throw new DeliveryError(`partner ${partner.config.id} has no outbound.soap settings`, false);
  }
  const values = [
    channel.endpoint,
    channel.security?.username,
    channel.security?.password,
    channel.basicAuth?.username,
    channel.basicAuth?.password,
    channel.tls?.certFile,
    channel.tls?.keyFile,
    channel.tls?.caFile,
    channel.tls?.passphrase,
  ];
  const missing = [
    ...new Set(values.flatMap((value) => (value === undefined ? [] : unresolvedRefs(value)))),
  ];
  if (missing.length > 0) {
    throw new DeliveryError(
      `partner ${partner.config.id}: environment variable ${missing.join(', ')} is not set, so its SOAP service cannot be called`,
      false,
    );
  }
  return channel;
}

/** The operation and map for an event type, or a dead letter saying the channel has none. */
export function operationRoute(
  partner: LoadedPartner,
  channel: SoapChannel,
  eventType: string,
): { operation: string; map: string } {
  const route = Object.hasOwn(channel.operations, eventType)
    ? channel.operations[eventType]
    : undefined;
  if (!route) {
    throw new DeliveryError(
      `partner ${partner.config.id}: outbound.soap.operations has no entry for ${eventType} (it has ${Object.keys(channel.operations).join(', ')})`,
      false,
    );
  }
  return route;
}
