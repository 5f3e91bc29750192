/**
 * The process worker's side of a SOAP call: the stored envelope read again, against the same
 * WSDL and through the same maps as at intake, to the canonical document the call gave. A call
 * about an earlier document (a cancel) finds that document again; it is not refused a second
 * time, since the caller was already told it was taken.
 *
 * The maps' `receivedAt` is the time intake gave the message, read from its id (store/ids.ts:
 * the first 48 bits are its milliseconds), not from the store: it costs no query per job and is
 * the same on every retry of the job, so a retried CancelTransfer makes the same statusTime.
 */
import type { Interpreter } from '../../pipeline/interpreter';
import { refusal } from '../../pipeline/interpreter';
import { readEnvelope } from '../../soap/envelope';
import { DEFAULT_XML_LIMITS, parseGuardedXml } from '../../soap/xml-guard';
import type { MapCatalog } from '../../mapping';
import { mapIntakeDocument, SoapRefusal, trackDocument, type MapInput } from './operations';
import { qualifiedKey, type BoundOperation, type SoapService } from './services';

export function createSoapInterpreter(services: SoapService[], maps: MapCatalog): Interpreter {
  // Which bound operation takes a request element, over every served service and port. Services
  // that share an element take it alike (checked at start), so the first one found will do.
  const byRequestElement = new Map<string, { service: SoapService; operation: BoundOperation }>();
  for (const service of services) {
    for (const port of service.ports) {
      for (const [key, contract] of port.byRequestElement) {
        const operation = service.operations.get(contract.name);
        if (operation?.intake && !byRequestElement.has(key))
          byRequestElement.set(key, { service, operation });
      }
    }
  }
  return async ({ body, job, partner, store }) => {
    if (!partner) return refusal(`partner ${String(job.partnerId)} is not configured`);
    const raw = await body.bytes();
    let found;
    let request: Record<string, unknown>;
    try {
      const envelope = readEnvelope(parseGuardedXml(raw, DEFAULT_XML_LIMITS));
      const element = envelope.body.children[0];
      found = element && byRequestElement.get(qualifiedKey(element.ns, element.name));
      if (!element || !found) return refusal('no served operation takes this SOAP request');
      const read = found.operation.contract.input.read(element);
      if (!read.ok)
        return refusal(`the request does not match the WSDL: ${read.issues[0]?.message}`);
      request = read.value;
    } catch (error) {
      return refusal(`the stored SOAP request cannot be read: ${(error as Error).message}`);
    }
    const { operation } = found;
    const input: MapInput = {
      request,
      operation: operation.contract.name,
      partner: partner.config.id,
      receivedAt: receivedAtOfMessageId(job.messageId),
    };
    try {
      if (operation.track) {
        input.tracked = await trackDocument(
          operation.track,
          input,
          partner,
          { store, maps },
          {
            refuse: false,
          },
        );
      }
      const { document, businessKey } = mapIntakeDocument(operation.intake!, input, partner, maps);
      return {
        documents: [
          { kind: operation.intake!.document, data: document, subject: businessKey, businessKey },
        ],
        conclude: () => ({ status: 'processed' }),
      };
    } catch (error) {
      if (error instanceof SoapRefusal) return refusal(error.message);
      throw error;
    }
  };
}

// Crockford base32, as store/ids.ts writes ids: `msg_` then 10 characters of milliseconds.
const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_TIME_CHARACTERS = 10;

/**
 * When intake took the message, from the time its id carries. Throws for an id of another
 * shape: a job naming such a message is a programmer's mistake, not a caller's.
 */
export function receivedAtOfMessageId(messageId: string): string {
  const at = messageId.indexOf('_') + 1;
  let millis = 0;
  for (let i = at; i < at + ID_TIME_CHARACTERS; i++) {
    const digit = i < messageId.length ? ID_ALPHABET.indexOf(messageId.charAt(i)) : -1;
    if (digit < 0) throw new Error(`message id ${messageId} carries no time`);
    millis = millis * 32 + digit;
  }
  return new Date(millis).toISOString();
}
