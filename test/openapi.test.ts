import { buildOpenApiDocument } from '../src/http/openapi';
import { DOCUMENT_SOURCE } from '../src/http/openapi/docs-page';
import { startTestGateway, stopTestGateway, type TestGateway } from './support/gateway';

type PathItem = Record<string, unknown>;

let gateway: TestGateway | undefined;

beforeAll(async () => {
  // Nothing is delivered here: no document is accepted, so the subscriber URL is never called.
  gateway = await startTestGateway({ webhookUrl: 'http://127.0.0.1:9/unused' });
});

afterAll(async () => {
  await stopTestGateway(gateway);
});

/**
 * Whether the gateway has a route for the request: anything but the app's catch-all 404. The
 * answer is read up to its headers only, so an event stream does not hold the test.
 */
async function isServed(method: string, path: string): Promise<boolean> {
  const abort = new AbortController();
  const res = await fetch(gateway!.url + path, {
    method: method.toUpperCase(),
    headers: { 'content-type': 'application/json' },
    body: method === 'post' ? '{}' : undefined,
    signal: abort.signal,
  });
  let isCatchAll = false;
  if (res.status === 404 && res.headers.get('content-type')?.includes('problem+json')) {
    const problem = (await res.json()) as { detail?: string };
    isCatchAll = problem.detail?.startsWith('No route for ') ?? false;
  }
  abort.abort();
  return !isCatchAll;
}

describe('the OpenAPI document and its docs page', () => {
  it('serves /openapi.json without credentials, as the document built at start', async () => {
    const res = await fetch(`${gateway!.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const served = (await res.json()) as { openapi: string };
    expect(served.openapi).toBe('3.1.0');
    expect(served).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('serves /docs, an HTML page whose script loads /openapi.json', async () => {
    const res = await fetch(`${gateway!.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
    expect(script).toContain(`var SOURCE = '${DOCUMENT_SOURCE}';`);
    expect(script).toContain('fetch(SOURCE');
    const source = new URL(DOCUMENT_SOURCE, `${gateway!.url}/docs`);
    expect(source.pathname).toBe('/openapi.json');
    expect((await fetch(source)).status).toBe(200);
  });

  it('describes routes the gateway serves, and serves every route it describes', async () => {
    const paths = buildOpenApiDocument().paths as Record<string, PathItem>;
    for (const [method, path] of [
      ['post', '/api/v1/invoices'],
      ['get', '/api/v1/x12/outbound-sets'],
      ['get', '/api/v1/events/stream'],
    ] as const) {
      expect({ method, path, served: await isServed(method, path) }).toEqual({
        method,
        path,
        served: true,
      });
      expect(paths[path]).toHaveProperty(method);
    }
    // The probe tells a missing route apart, or it would prove nothing.
    expect(await isServed('get', '/api/v1/no-such-thing')).toBe(false);

    for (const [template, item] of Object.entries(paths)) {
      const path = template.replace(/\{([^}]+)\}/g, 'probe-$1');
      for (const method of Object.keys(item)) {
        expect({ method, template, served: await isServed(method, path) }).toEqual({
          method,
          template,
          served: true,
        });
      }
    }
  });
});
