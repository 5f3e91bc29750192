import http from 'node:http';
import https from 'node:https';
import type { CanonicalEvent } from '../../canonical';
import { unresolvedRefs } from '../../partners/env-refs';
import type { LoadedPartner } from '../../partners/registry';
import { DeliveryError, type SendContext, type SendResult } from '../adapter';
import { isRetryableStatus, parseRetryAfter } from '../http-response';
import { EndpointGoneError } from './endpoint-gone';
import { signStandardWebhook } from './sign';

// Keep-alive agents: one TCP/TLS connection serves many deliveries to the same receiver.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

type WebhookChannel = NonNullable<NonNullable<LoadedPartner['config']['outbound']>['webhook']>;

/**
 * The JSON of each event, made once: a fan-out hands every subscriber's delivery the same event
 * object (the deliver worker's StoredEvents), so 50 deliveries serialise and encode it once.
 * Held weakly, it goes with the event.
 */
const bodies = new WeakMap<CanonicalEvent, Buffer>();

function bodyOf(event: CanonicalEvent): Buffer {
  let body = bodies.get(event);
  if (!body) {
    body = Buffer.from(JSON.stringify(event));
    bodies.set(event, body);
  }
  return body;
}

/** Each channel's checked URL, kept while its partner's configuration is loaded. */
const targets = new WeakMap<WebhookChannel, URL>();

/** POSTs the event as JSON signed per Standard Webhooks; classifies every failure. */
export async function sendWebhook(
  event: CanonicalEvent,
  partner: LoadedPartner,
  context: SendContext,
): Promise<SendResult> {
  const channel = partner.config.outbound?.webhook;
  if (!channel)
    throw new DeliveryError(`partner ${partner.config.id} has no webhook channel`, false);
  const url = targets.get(channel) ?? checkedTarget(channel, partner);
  const body = bodyOf(event);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    ...channel.headers,
    'content-type': 'application/json',
    'content-length': String(body.length),
    'user-agent': 'Crossdock-Webhooks/1',
    'webhook-id': event.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(channel.secret, event.id, timestamp, body),
    'x-crossdock-delivery': context.deliveryId,
    'x-crossdock-attempt': String(context.attempt),
  };
  const statusAndRetryAfter = await post(url, headers, body, channel.timeoutMs ?? 10_000);
  const { statusCode, retryAfterMs } = statusAndRetryAfter;
  if (statusCode >= 200 && statusCode < 300) return { statusCode };
  if (statusCode === 410) throw new EndpointGoneError();
  const retryable = isRetryableStatus(statusCode);
  throw new DeliveryError(
    `receiver answered HTTP ${statusCode}`,
    retryable,
    statusCode,
    retryAfterMs,
  );
}

/** The channel's URL once its settings are complete and it is http(s); kept when it is. */
function checkedTarget(channel: WebhookChannel, partner: LoadedPartner): URL {
  const missing = [channel.url, channel.secret, ...Object.values(channel.headers ?? {})].flatMap(
    unresolvedRefs,
  );
  if (missing.length > 0) {
    throw new DeliveryError(
      `partner ${partner.config.id}: environment variable ${missing.join(', ')} is not set, so its webhook cannot be sent`,
      false,
    );
  }
  let url: URL;
  try {
    url = new URL(channel.url);
  } catch {
    throw new DeliveryError(
      `partner ${partner.config.id}: webhook url "${channel.url}" is not a URL`,
      false,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeliveryError(
      `partner ${partner.config.id}: webhook url must be http(s), not ${url.protocol}`,
      false,
    );
  }
  targets.set(channel, url);
  return url;
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<{ statusCode: number; retryAfterMs?: number }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers,
      agent: agents[url.protocol as 'http:' | 'https:'],
      timeout: timeoutMs,
    });
    request.on('response', (response) => {
      // The body is not needed; draining it lets the connection be reused.
      response.resume();
      response.on('end', () =>
        resolve({
          statusCode: response.statusCode ?? 0,
          retryAfterMs: parseRetryAfter(response.headers['retry-after']),
        }),
      );
      response.on('error', (error) =>
        reject(
          new DeliveryError(`response broke off: ${error.message}`, true, null, undefined, {
            cause: error,
          }),
        ),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) =>
      reject(
        new DeliveryError(`could not deliver: ${error.message}`, true, null, undefined, {
          cause: error,
        }),
      ),
    );
    request.end(body);
  });
}
