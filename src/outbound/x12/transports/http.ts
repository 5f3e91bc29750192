import http from 'node:http';
import https from 'node:https';
import { DeliveryError } from '../../adapter';
import { isRetryableStatus, parseRetryAfter } from '../../http-response';
import type { X12Transport } from '../transport';
import { channelSettings } from './channel-settings';

// Keep-alive agents: one TCP/TLS connection serves many interchanges to the same partner.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** A refusal's body is read this far for its excerpt; a longer one is cut off, not drained. */
const MAX_BODY_BYTES = 64 * 1024;
const EXCERPT_CHARS = 200;

interface HttpAnswer {
  statusCode: number;
  retryAfterMs?: number;
  body: Buffer;
}

/** POSTs each interchange to the partner's endpoint (`outbound.x12Http`). */
export const x12HttpTransport: X12Transport = {
  channel: 'x12-http',
  async send(payload, partner, context) {
    const settings = channelSettings(partner, 'x12Http');
    const url = parseEndpoint(settings.url, partner.config.id);
    const timeoutMs = settings.timeoutMs ?? 30_000;
    const headers: Record<string, string> = {
      ...settings.headers,
      'content-type': settings.contentType ?? 'application/edi-x12',
      'content-length': String(payload.bytes.length),
      'user-agent': 'Crossdock-X12/1',
      'x-crossdock-message-id': payload.messageId,
      'x-crossdock-delivery': context.deliveryId,
      'x-crossdock-attempt': String(context.attempt),
    };
    const answer = await post(url, headers, payload.bytes, timeoutMs);
    const location = `${url.origin}${url.pathname}`;
    if (answer.statusCode >= 200 && answer.statusCode < 300) {
      return { statusCode: answer.statusCode, location };
    }
    const excerpt = bodyExcerpt(answer.body);
    throw new DeliveryError(
      `partner answered HTTP ${answer.statusCode} at ${location}${excerpt ? `: ${excerpt}` : ''}`,
      isRetryableStatus(answer.statusCode),
      answer.statusCode,
      answer.retryAfterMs,
    );
  },
  async close() {
    agents['http:'].destroy();
    agents['https:'].destroy();
  },
};

function parseEndpoint(value: string, partnerId: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DeliveryError(
      `partner ${partnerId}: outbound.x12Http.url "${value}" is not a URL`,
      false,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeliveryError(
      `partner ${partnerId}: outbound.x12Http.url must be http(s), not ${url.protocol}`,
      false,
    );
  }
  return url;
}

/**
 * One POST with a deadline on the whole exchange, not only on idle sockets, so an endpoint that
 * trickles its answer cannot hold a delivery slot beyond timeoutMs.
 */
function post(
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers,
      agent: agents[url.protocol as 'http:' | 'https:'],
    });
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const fail = (what: string, error: Error) => {
      clearTimeout(deadline);
      reject(
        new DeliveryError(`${what}: ${error.message}`, true, null, undefined, { cause: error }),
      );
    };
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (): HttpAnswer => ({
        statusCode: response.statusCode ?? 0,
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
        body: Buffer.concat(chunks),
      });
      response.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) {
          // Enough for the excerpt; the rest is not worth holding the connection for.
          clearTimeout(deadline);
          resolve(answer());
          request.destroy();
        }
      });
      response.on('end', () => {
        clearTimeout(deadline);
        resolve(answer());
      });
      response.on('error', (error) => fail('the answer broke off', error));
    });
    request.on('error', (error) => fail(`could not deliver to ${url.origin}`, error));
    request.end(body);
  });
}

/** The start of a refusal's body, on one line, for the dead letter's reason. */
export function bodyExcerpt(body: Buffer): string {
  const text = body
    .subarray(0, EXCERPT_CHARS * 4)
    .toString('utf8')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
