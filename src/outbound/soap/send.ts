import type { CanonicalEvent } from '../../canonical';
import { MapError, type MapCatalog } from '../../mapping';
import type { LoadedPartner } from '../../partners/registry';
import { DeliveryError, type SendContext, type SendResult } from '../adapter';
import type { SoapClients } from './clients';
import { classifySoapFailure, classifyUnexpectedStatus } from './fault';
import { DEFAULT_SOAP_TIMEOUT_MS, operationRoute, soapChannelOf } from './settings';

export interface SoapSendDeps {
  clients: SoapClients;
  /** The mappings/ maps, loaded on first use. */
  maps(): MapCatalog;
}

/**
 * Calls the partner's operation for the event's type with the request its map builds from the
 * canonical document. Amounts in the document are decimal strings and the map passes them on
 * as strings, so the XML carries them digit for digit.
 */
export async function sendSoapCall(
  event: CanonicalEvent,
  partner: LoadedPartner,
  context: SendContext,
  deps: SoapSendDeps,
): Promise<SendResult> {
  const channel = soapChannelOf(partner);
  const route = operationRoute(partner, channel, event.type);
  const request = buildRequest(event, partner, route, deps);
  const operation = await deps.clients.operation(partner, channel, route.operation);
  const timeoutMs = channel.timeoutMs ?? DEFAULT_SOAP_TIMEOUT_MS;
  const outcome = await operation.call(request, {
    timeoutMs,
    headers: {
      'x-crossdock-delivery': context.deliveryId,
      'x-crossdock-attempt': String(context.attempt),
    },
  });
  if (outcome.error !== undefined) {
    throw classifySoapFailure({ error: outcome.error, timedOut: outcome.timedOut, timeoutMs });
  }
  const statusCode = outcome.statusCode ?? null;
  if (statusCode !== null && (statusCode < 200 || statusCode >= 300)) {
    throw classifyUnexpectedStatus(statusCode);
  }
  return { statusCode };
}

function buildRequest(
  event: CanonicalEvent,
  partner: LoadedPartner,
  route: { operation: string; map: string },
  deps: SoapSendDeps,
): unknown {
  const map = deps.maps().get(route.map, partner.config.id);
  if (!map) {
    throw new DeliveryError(
      `partner ${partner.config.id}: there is no map named ${route.map} in mappings/ for ${route.operation}`,
      false,
    );
  }
  try {
    return map.run(event.data);
  } catch (error) {
    if (error instanceof MapError) {
      throw new DeliveryError(
        `not sent, the ${route.operation} request cannot be built: ${error.message}`,
        false,
        null,
        undefined,
        { cause: error },
      );
    }
    throw error;
  }
}
