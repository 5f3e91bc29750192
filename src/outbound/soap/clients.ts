/**
 * `soap` clients for partners' services: each partner's WSDL is read once and its client kept,
 * with the partner's endpoint and credentials set on it, for every later call.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createClientAsync, type Client } from 'soap';
import type { LoadedPartner } from '../../partners/registry';
import { DeliveryError } from '../adapter';
import { buildChannelSecurity, type ChannelSecurity } from './security';
import type { SoapChannel } from './settings';

/** The `soap` client's callback form of one port's operation. */
type PortMethod = (
  args: unknown,
  callback: (error: unknown, result: unknown) => void,
  options: Record<string, unknown>,
  extraHeaders: Record<string, string>,
) => void;

export interface CallOutcome {
  /** The receiver's HTTP status; undefined when no answer came. */
  statusCode: number | undefined;
  error?: unknown;
}

/** One operation of one port, ready to call. */
export interface SoapOperation {
  call(
    request: unknown,
    options: { timeoutMs: number; headers: Record<string, string> },
  ): Promise<CallOutcome & { timedOut: boolean }>;
}

interface PartnerClient {
  client: Client;
  security?: ChannelSecurity;
  /** HTTP status of each call in flight, by the exchange id the call was given. */
  statuses: Map<string, number | undefined>;
}

// Answers larger than this are not read: a callback's acknowledgment is a few hundred bytes.
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

let nextExchange = 0;

export class SoapClients {
  private readonly clients = new Map<string, Promise<PartnerClient>>();

  /** @param wsdlDirs wsdl folders, CROSSDOCK_HOME's first. */
  constructor(private readonly wsdlDirs: readonly string[]) {}

  /** The partner's operation, from its service and port when the channel names them. */
  async operation(
    partner: LoadedPartner,
    channel: SoapChannel,
    operationName: string,
  ): Promise<SoapOperation> {
    const partnerClient = await this.clientFor(partner, channel);
    const method = findPortMethod(partner.config.id, partnerClient.client, channel, operationName);
    return {
      call: (request, { timeoutMs, headers }) =>
        new Promise((resolve, reject) => {
          const exchangeId = `crossdock-${++nextExchange}`;
          // One deadline for the whole call: connecting, sending, and waiting for the answer.
          const signal = AbortSignal.timeout(timeoutMs);
          const options = {
            exchangeId,
            signal,
            maxRedirects: 0,
            maxContentLength: MAX_RESPONSE_BYTES,
          };
          try {
            method(
              request,
              (error) => {
                const statusCode = partnerClient.statuses.get(exchangeId);
                partnerClient.statuses.delete(exchangeId);
                resolve({ statusCode, error: error ?? undefined, timedOut: signal.aborted });
              },
              options,
              headers,
            );
          } catch (error) {
            // The package writes the envelope before sending: a request it cannot write never left.
            reject(
              new DeliveryError(
                `the ${operationName} request cannot be written as XML: ${(error as Error).message}`,
                false,
                null,
                undefined,
                { cause: error },
              ),
            );
          }
        }),
    };
  }

  close(): void {
    for (const pending of this.clients.values()) {
      void pending.then(({ security }) => security?.close()).catch(() => undefined);
    }
    this.clients.clear();
  }

  private clientFor(partner: LoadedPartner, channel: SoapChannel): Promise<PartnerClient> {
    const wsdlFile = this.locateWsdl(partner.config.id, channel.wsdl);
    const key = `${partner.config.id}\u0000${wsdlFile}`;
    let pending = this.clients.get(key);
    if (!pending) {
      pending = createPartnerClient(partner.config.id, wsdlFile, channel);
      this.clients.set(key, pending);
      // A client that could not be made is made afresh next time (the file may be fixed).
      pending.catch(() => this.clients.delete(key));
    }
    return pending;
  }

  /** The WSDL file, from the first wsdl folder that has it; never outside those folders. */
  private locateWsdl(partnerId: string, relative: string): string {
    for (const dir of this.wsdlDirs) {
      const file = path.resolve(dir, relative);
      const inside = path.relative(dir, file);
      if (inside.startsWith('..') || path.isAbsolute(inside)) break;
      if (existsSync(file)) return file;
    }
    throw new DeliveryError(
      `partner ${partnerId}: outbound.soap.wsdl ${relative} is not in ${this.wsdlDirs.join(' or ')}`,
      false,
    );
  }
}

async function createPartnerClient(
  partnerId: string,
  wsdlFile: string,
  channel: SoapChannel,
): Promise<PartnerClient> {
  let client: Client;
  try {
    client = await createClientAsync(wsdlFile);
  } catch (error) {
    throw new DeliveryError(
      `partner ${partnerId}: ${wsdlFile} cannot be read as a WSDL (${(error as Error).message})`,
      false,
      null,
      undefined,
      { cause: error },
    );
  }
  if (channel.endpoint) client.setEndpoint(channel.endpoint);
  const security = await buildChannelSecurity(partnerId, channel);
  if (security) client.setSecurity(security);
  const statuses = new Map<string, number | undefined>();
  client.on('response', (_body, response: { status?: number } | null | undefined, eid) => {
    statuses.set(eid, response?.status);
  });
  return { client, security, statuses };
}

interface WsdlPort {
  binding: { methods: Record<string, unknown> };
}

/** The channel's service and port, or the first of each that has the operation. */
function findPortMethod(
  partnerId: string,
  client: Client,
  channel: SoapChannel,
  operationName: string,
): PortMethod {
  const services = client.wsdl.definitions.services as Record<
    string,
    { ports: Record<string, WsdlPort> }
  >;
  const serviceNames = channel.service ? [channel.service] : Object.keys(services);
  const where = channel.service
    ? `service ${channel.service}${channel.port ? ` port ${channel.port}` : ''}`
    : 'any service';
  for (const serviceName of serviceNames) {
    const service = services[serviceName];
    if (!service) {
      throw new DeliveryError(
        `partner ${partnerId}: the WSDL has no service ${serviceName} (it has ${Object.keys(services).join(', ')})`,
        false,
      );
    }
    const portNames = channel.port ? [channel.port] : Object.keys(service.ports);
    for (const portName of portNames) {
      const port = service.ports[portName];
      if (!port) {
        throw new DeliveryError(
          `partner ${partnerId}: service ${serviceName} has no port ${portName} (it has ${Object.keys(service.ports).join(', ')})`,
          false,
        );
      }
      if (!Object.hasOwn(port.binding.methods, operationName)) continue;
      const methods = (
        client as unknown as Record<string, Record<string, Record<string, unknown>>>
      )[serviceName]?.[portName];
      const method = methods?.[operationName];
      if (typeof method === 'function') return method as PortMethod;
    }
  }
  throw new DeliveryError(
    `partner ${partnerId}: the WSDL has no operation ${operationName} in ${where}`,
    false,
  );
}
