/**
 * From a verified webhook payload to a canonical document: pick the event's route (fixed, or by
 * the partner's event type from a header or a field), run its map from mappings/, validate the
 * result against the canonical schema. Used at intake, to answer 422 at once, and by the
 * process worker, which works from the stored bytes alone.
 */
import {
  documentByKind,
  documentKinds,
  validateDocument,
  type DocumentKind,
} from '../../canonical';
import type { GatewayConfig } from '../../config';
import { MapError, type MapCatalog } from '../../mapping';
import { loadPayloadMaps } from '../../mapping/payload-maps';
import type { WebhookInbound } from '../../partners/partner.generated';
import { refusal, type Interpreter } from '../../pipeline/interpreter';
import type { HeaderReader } from './verify';

export interface WebhookRoute {
  kind: DocumentKind;
  map: string;
}

export type MappingOutcome =
  | { ok: true; kind: DocumentKind; document: object; businessKey: string | null }
  | { ok: false; reason: string };

/** The payload maps this gateway's webhooks go through. */
export function loadWebhookMaps(config: GatewayConfig): MapCatalog {
  return loadPayloadMaps(config.folders.mappings);
}

/**
 * Why a partner's webhook settings cannot work with these maps (an unknown map or document
 * kind, and, with the event type in a header, two maps for one kind), or undefined when they can.
 */
export function settingsProblem(settings: WebhookInbound, maps: MapCatalog): string | undefined {
  const kinds = new Set<string>(documentKinds.map((d) => d.kind));
  const routes = [
    ...(settings.document && settings.map ? [['', settings] as const] : []),
    ...Object.entries(settings.events ?? {}),
  ];
  const mapByKind = new Map<string, string>();
  for (const [eventType, route] of routes) {
    const where = eventType ? `events "${eventType}"` : 'document';
    if (!kinds.has(route.document!))
      return `${where}: "${route.document}" is not a canonical document kind`;
    if (!maps.get(route.map!)) return `${where}: there is no map named "${route.map}" in mappings/`;
    // The header is not stored with the payload: the worker finds the map by the kind alone.
    const earlier = mapByKind.get(route.document!);
    if (settings.eventTypeFrom?.header && earlier && earlier !== route.map) {
      return `${where}: with eventTypeFrom.header, every event of one document kind must use one map (${earlier} and ${route.map} both give ${route.document})`;
    }
    mapByKind.set(route.document!, route.map!);
  }
  return undefined;
}

/** The route for a payload as it arrives, or the reason there is none. */
export function routeOnArrival(
  settings: WebhookInbound,
  header: HeaderReader,
  payload: unknown,
): WebhookRoute | string {
  if (settings.document && settings.map)
    return { kind: settings.document as DocumentKind, map: settings.map };
  const from = settings.eventTypeFrom ?? {};
  const eventType = from.header ? header(from.header) : valueAtPointer(payload, from.field ?? '');
  return routeForEventType(
    settings,
    eventType,
    from.header ? `header ${from.header}` : `field ${from.field}`,
  );
}

/** The route for a stored payload: headers are gone, so a header-chosen route is found by its kind. */
export function routeOfStored(
  settings: WebhookInbound,
  kind: string | null,
  payload: unknown,
): WebhookRoute | string {
  if (settings.document && settings.map)
    return { kind: settings.document as DocumentKind, map: settings.map };
  if (settings.eventTypeFrom?.field) {
    return routeForEventType(
      settings,
      valueAtPointer(payload, settings.eventTypeFrom.field),
      `field ${settings.eventTypeFrom.field}`,
    );
  }
  const route = Object.values(settings.events ?? {}).find(
    (candidate) => candidate.document === kind,
  );
  return route
    ? { kind: route.document as DocumentKind, map: route.map }
    : `no event of this partner gives a ${String(kind)}`;
}

function routeForEventType(
  settings: WebhookInbound,
  eventType: unknown,
  where: string,
): WebhookRoute | string {
  if (typeof eventType !== 'string' && typeof eventType !== 'number') {
    return `the payload's event type (${where}) is missing`;
  }
  const route = settings.events?.[String(eventType)];
  if (!route) return `no map for the event type "${String(eventType)}" (${where})`;
  return { kind: route.document as DocumentKind, map: route.map };
}

/** RFC 6901: `/a/b~1c/0` reads a, then "b/c", then item 0. */
function valueAtPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let current = value;
  for (const token of pointer.slice(1).split('/')) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current)
      ? current[Number(key)]
      : (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Parses the raw payload as JSON, or says why it is not. */
export function parsePayload(
  raw: Buffer,
): { ok: true; payload: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, payload: JSON.parse(raw.toString('utf8')) };
  } catch (error) {
    return { ok: false, reason: `the payload is not valid JSON: ${(error as Error).message}` };
  }
}

/** Runs the route's map and checks the result against the canonical schema. */
export function mapPayload(
  route: WebhookRoute,
  payload: unknown,
  maps: MapCatalog,
  partnerId: string,
): MappingOutcome {
  const map = maps.get(route.map, partnerId);
  if (!map) return { ok: false, reason: `there is no map named "${route.map}"` };
  let document: unknown;
  try {
    document = map.run(payload);
  } catch (error) {
    // The partner reads this reason: the map's name, not where its file sits on our disk.
    if (error instanceof MapError) {
      const located = error.message.startsWith(`${error.file}: `)
        ? error.message.slice(error.file.length + 2)
        : error.message;
      return { ok: false, reason: `map ${route.map}: ${located}` };
    }
    throw error;
  }
  const issues = validateDocument(route.kind, document);
  if (issues.length > 0) {
    const listed = issues.map((issue) => `${issue.pointer || '/'} ${issue.message}`).join('; ');
    return { ok: false, reason: `the mapped ${route.kind} is not valid: ${listed}` };
  }
  const businessKey = documentByKind(route.kind).businessKey(document as never) ?? null;
  return { ok: true, kind: route.kind, document: document as object, businessKey };
}

/** The process worker's side: the stored payload through the same route, map and schema. */
export function createWebhookInterpreter(config: GatewayConfig): Interpreter {
  const maps = loadWebhookMaps(config);
  return async ({ body, job, partner }) => {
    const settings = partner?.config.inbound?.webhook;
    if (!partner || !settings) return refusal(`partner ${String(job.partnerId)} takes no webhooks`);
    const parsed = parsePayload(await body.bytes());
    if (!parsed.ok) return refusal(parsed.reason);
    const route = routeOfStored(settings, job.documentKind, parsed.payload);
    if (typeof route === 'string') return refusal(route);
    const outcome = mapPayload(route, parsed.payload, maps, partner.config.id);
    if (!outcome.ok) return refusal(outcome.reason);
    return {
      documents: [
        {
          kind: outcome.kind,
          data: outcome.document,
          subject: outcome.businessKey,
          businessKey: outcome.businessKey,
        },
      ],
      conclude: () => ({ status: 'processed' }),
    };
  };
}
