import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Script } from 'node:vm';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { documentKinds } from '../../canonical/documents';
import { validateDocument } from '../../canonical/validate';
import { canonicalComponents } from './components';
import { docsPage } from './docs-page';
import { buildOpenApiDocument } from './index';

const document = buildOpenApiDocument();
const DOCUMENT_ID = 'urn:crossdock:openapi';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Node = Record<string, unknown>;

/** Every value under `node` with the JSON pointer that reaches it. */
function* walk(node: unknown, pointer = '#'): Generator<[string, unknown]> {
  yield [pointer, node];
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    yield* walk(value, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
}

function resolvePointer(root: unknown, ref: string): unknown {
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Node)[key];
  }
  return node;
}

function operations(): Array<{ path: string; method: string; operation: Node }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as Node })),
  );
}

/** `#/components/...` made absolute, so a schema compiled on its own still finds them. */
function absoluteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(absoluteRefs);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? DOCUMENT_ID + value
        : absoluteRefs(value),
    ]),
  );
}

function ajvWithComponents(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  // The document root is not a schema; only its components are, reached by JSON pointer.
  ajv.addKeyword({ keyword: 'components' });
  ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas: document.components.schemas } });
  return ajv;
}

describe('buildOpenApiDocument', () => {
  it('is an OpenAPI 3.1.0 document with info, paths and components', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Crossdock');
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const path of Object.keys(document.paths)) expect(path).toMatch(/^\//);
    for (const name of Object.keys(document.components.schemas)) {
      expect(name).toMatch(/^[a-zA-Z0-9.\-_]+$/);
    }
  });

  it('resolves every $ref inside the document', () => {
    const refs = [...walk(document)].filter(
      ([pointer, value]) => pointer.endsWith('/$ref') && typeof value === 'string',
    );
    expect(refs.length).toBeGreaterThan(100);
    for (const [pointer, ref] of refs) {
      expect({ pointer, ref, resolves: (ref as string).startsWith('#/') }).toEqual({
        pointer,
        ref,
        resolves: true,
      });
      expect({
        pointer,
        ref,
        target: resolvePointer(document, ref as string) !== undefined,
      }).toEqual({ pointer, ref, target: true });
    }
  });

  it('keeps no $id or $schema in its schemas, so refs resolve against the document', () => {
    const keywords = [...walk(document.components.schemas)].filter(([pointer]) =>
      /\/(\$id|\$schema)$/.test(pointer),
    );
    expect(keywords).toEqual([]);
  });

  it('gives every operation a unique operationId, its path parameters and responses', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, operation } of operations()) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = ((operation.parameters ?? []) as Node[])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name)
        .sort();
      expect({ operation: `${method} ${path}`, declared }).toEqual({
        operation: `${method} ${path}`,
        declared: templated,
      });
      expect(Object.keys(operation.responses as Node).length).toBeGreaterThan(0);
      for (const scheme of ((operation.security ?? []) as Node[]).flatMap(Object.keys)) {
        expect(document.components.securitySchemes).toHaveProperty(scheme);
      }
    }
  });

  it('has a POST for every canonical document kind with its schema and problem answers', () => {
    for (const descriptor of documentKinds) {
      const post = (document.paths[`/api/v1/${descriptor.resource}`] as Node | undefined)
        ?.post as Node;
      expect(post).toBeDefined();
      expect(post.requestBody).toEqual({
        required: true,
        content: {
          'application/json': { schema: { $ref: `#/components/schemas/${descriptor.kind}` } },
        },
      });
      const responses = post.responses as Record<string, Node>;
      expect(resolvePointer(document, '#/components/schemas/' + descriptor.kind)).toMatchObject({
        title: descriptor.kind,
      });
      expect(responses['202']).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Receipt' } } },
      });
      for (const status of ['400', '401', '403', '413', '415', '422', '503']) {
        const response = resolvePointer(document, responses[status]!.$ref as string) as Node;
        expect(response.content).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        });
      }
      const headers = (post.parameters as Node[]).map((parameter) => parameter.name);
      expect(headers).toEqual(['Idempotency-Key', 'X-Correlation-Id', 'X-Crossdock-Partner']);
    }
  });

  it('describes the receipt and the problem with the fields the gateway sends', () => {
    const schemas = document.components.schemas;
    expect(Object.keys(schemas.Receipt!.properties as Node)).toEqual([
      'messageId',
      'correlationId',
      'recipientId',
      'status',
      'location',
    ]);
    expect(schemas.Problem!.required).toEqual(['type', 'title', 'status', 'detail']);
  });

  it('compiles every component and every inline schema with ajv (JSON Schema 2020-12)', () => {
    const ajv = ajvWithComponents();
    for (const name of Object.keys(document.components.schemas)) {
      expect({
        name,
        compiled: typeof ajv.getSchema(`${DOCUMENT_ID}#/components/schemas/${name}`),
      }).toEqual({ name, compiled: 'function' });
    }
    const inline = [...walk(document.paths)].filter(
      ([pointer, value]) => pointer.endsWith('/schema') && typeof value === 'object',
    );
    expect(inline.length).toBeGreaterThan(50);
    inline.forEach(([pointer, schema], index) => {
      let error: string | undefined;
      try {
        ajv.compile({ $id: `urn:crossdock:inline:${index}`, ...(absoluteRefs(schema) as Node) });
      } catch (thrown) {
        error = String(thrown);
      }
      expect({ pointer, error }).toEqual({ pointer, error: undefined });
    });
  });

  it('judges the canonical examples as the canonical validator does', () => {
    const ajv = ajvWithComponents();
    for (const descriptor of documentKinds) {
      const validate = ajv.getSchema(`${DOCUMENT_ID}#/components/schemas/${descriptor.kind}`)!;
      const example = JSON.parse(
        readFileSync(
          path.join(__dirname, '..', '..', 'canonical', 'examples', `${descriptor.resource}.json`),
          'utf8',
        ),
      ) as Node;
      expect({ kind: descriptor.kind, valid: validate(example) }).toEqual({
        kind: descriptor.kind,
        valid: true,
      });
      const verdicts: boolean[] = [];
      for (const field of Object.keys(example)) {
        const { [field]: _removed, ...without } = example;
        const canonicalVerdict = validateDocument(descriptor.kind, without).length === 0;
        verdicts.push(canonicalVerdict);
        expect({ kind: descriptor.kind, field, valid: validate(without) }).toEqual({
          kind: descriptor.kind,
          field,
          valid: canonicalVerdict,
        });
      }
      // Removing a required field must be caught, or the comparison proves nothing.
      expect(verdicts).toContain(false);
    }
  });

  it('refuses canonical schemas whose $ref names nothing', () => {
    const broken = {
      $id: 'https://schemas.crossdock.dev/canonical/broken.json',
      title: 'Broken',
      type: 'object',
      properties: { when: { $ref: 'common.json#/$defs/NoSuchDef' } },
    };
    expect(() => canonicalComponents([broken])).toThrow(/NoSuchDef/);
  });
});

describe('docsPage', () => {
  it('is one HTML file whose script parses and fetches the document', () => {
    const page = docsPage();
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
    expect(scripts).toHaveLength(1);
    expect(() => new Script(scripts[0]!)).not.toThrow();
    expect(scripts[0]).toContain("var SOURCE = './openapi.json';");
    expect(scripts[0]).toContain('fetch(SOURCE');
    expect(scripts[0]).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
