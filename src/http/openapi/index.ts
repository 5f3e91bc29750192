/**
 * The OpenAPI 3.1 document of every public endpoint, generated from the canonical JSON Schemas
 * and the document catalogue, served at `/openapi.json` and rendered at `/docs`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Router } from 'express';
import { projectRoot } from '../../runtime/project-root';
import { canonicalComponents, type JsonSchema } from './components';
import { docsPage } from './docs-page';
import { gatewaySchemas } from './gateway-schemas';
import { documentIntakePaths, webhookIntakePaths, x12IntakePaths } from './intake-paths';
import { eventFeedPaths } from './event-feed-paths';
import { operatorPaths } from './operator-paths';
import { servicePaths } from './service-paths';
import { problemResponseComponents } from './responses';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, JsonSchema>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

const securitySchemes = {
  partnerApiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A partner’s API key (partner file, inbound.rest.apiKeys or x12.auth.apiKeys; stored as ' +
      'its SHA-256) as `Authorization: Bearer <key>`. Scopes: `<resource>:write` or `documents:write` ' +
      'to post documents; `events:read` for the event listing and feeds, `messages:read` for a ' +
      'message, its events and deliveries (a partner key sees only what concerns its partner).',
  },
  partnerApiKeyHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'The same partner API key, in its own header.',
  },
  x12Basic: {
    type: 'http',
    scheme: 'basic',
    description: 'X12 senders whose partner file sets x12.auth.basic.',
  },
  operatorKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'CROSSDOCK_ADMIN_KEY as `Authorization: Bearer <key>` (or X-API-Key). When it is not ' +
      'set, only callers on the loopback interface are let in.',
  },
};

// Read, not imported: an import would make tsc copy package.json into dist/, where
// projectRoot() would then stop.
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8'));
  return String((manifest as { version?: unknown }).version);
}

export function buildOpenApiDocument(): OpenApiDocument {
  const canonical = canonicalComponents();
  const schemas = { ...canonical.schemas };
  for (const [name, schema] of Object.entries(gatewaySchemas)) {
    if (name in schemas) throw new Error(`OpenAPI component ${name} is also a canonical schema`);
    schemas[name] = schema;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Crossdock',
      version: packageVersion(),
      description:
        'B2B integration gateway: canonical documents over REST, X12 over HTTP and webhooks in; ' +
        'canonical events out over webhooks, Server-Sent Events and long polling. Errors are ' +
        'RFC 9457 problems (application/problem+json).',
    },
    tags: [
      { name: 'Documents', description: 'Canonical business documents as JSON.' },
      { name: 'X12', description: 'X12 EDI over HTTP, and the tracking of X12 sent.' },
      { name: 'Webhooks', description: 'Partners’ webhooks, verified and mapped.' },
      { name: 'Events', description: 'Live feeds of canonical events (CloudEvents).' },
      { name: 'Operator', description: 'Messages, deliveries and dead letters.' },
      { name: 'Service', description: 'Health, metrics and this document.' },
    ],
    paths: {
      ...documentIntakePaths(canonical),
      ...x12IntakePaths,
      ...webhookIntakePaths,
      ...operatorPaths,
      ...eventFeedPaths,
      ...servicePaths,
    },
    components: { schemas, responses: problemResponseComponents, securitySchemes },
  };
}

/** Builds the document once, at start; both routes then send the same bytes every time. */
export function mountOpenApi(router: Router): void {
  const document = JSON.stringify(buildOpenApiDocument());
  const page = docsPage();
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('text/html').send(page);
  });
}
