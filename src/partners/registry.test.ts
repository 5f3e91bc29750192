import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../runtime/project-root';
import { loadPartnerRegistry, PartnerConfigError } from './registry';

function partnersDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'partners-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function loadError(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): PartnerConfigError {
  try {
    loadPartnerRegistry(partnersDir(files), env);
  } catch (error) {
    if (error instanceof PartnerConfigError) return error;
    throw error;
  }
  throw new Error('expected the partners to be refused');
}

const webhookPartner = (secret: string) => `id: erp
name: ERP
outbound:
  channel: webhook
  webhook: { url: "\${ERP_URL:-http://127.0.0.1:9/x}", secret: "${secret}" }
subscriptions:
  - events: [com.crossdock.*]
`;

test('the shipped partners/ folder is valid', () => {
  const registry = loadPartnerRegistry(path.join(projectRoot(), 'partners'), {});
  expect(
    registry
      .all()
      .map((p) => p.config.id)
      .sort(),
  ).toEqual(['acme-erp', 'first-harbor-bank', 'globex-retail', 'shopwave']);
});

test('resolves environment references and defaults, and reports unset ones', () => {
  const registry = loadPartnerRegistry(
    partnersDir({ 'erp.yaml': webhookPartner('${ERP_SECRET}') }),
    {},
  );
  const erp = registry.get('erp')!;
  expect(erp.config.outbound?.webhook?.url).toBe('http://127.0.0.1:9/x');
  expect(erp.config.outbound?.webhook?.secret).toBe('${ERP_SECRET}');
  expect(erp.missingEnv).toEqual(['ERP_SECRET']);

  const withEnv = loadPartnerRegistry(
    partnersDir({ 'erp.yaml': webhookPartner('${ERP_SECRET}') }),
    {
      ERP_SECRET: 'whsec_abc',
      ERP_URL: 'https://erp.example/hooks',
    },
  );
  expect(withEnv.get('erp')!.config.outbound?.webhook).toMatchObject({
    url: 'https://erp.example/hooks',
    secret: 'whsec_abc',
  });
  expect(withEnv.get('erp')!.missingEnv).toEqual([]);
});

test('refuses a literal secret, naming the file, the path and why', () => {
  const error = loadError({ 'erp.yaml': webhookPartner('whsec_literal') });
  expect(error.file).toMatch(/erp\.yaml$/);
  expect(error.pointer).toBe('/outbound/webhook/secret');
  expect(error.reason).toMatch(/environment reference/);
});

test('refuses unknown settings, missing required ones, bad YAML, and an id that is not the file name', () => {
  expect(loadError({ 'x.yaml': 'id: x\nname: X\ncolour: blue\n' })).toMatchObject({
    pointer: '/colour',
    reason: 'is not a known setting',
  });
  expect(loadError({ 'x.yaml': 'id: x\n' })).toMatchObject({
    pointer: '/name',
    reason: 'is required',
  });
  expect(loadError({ 'x.yaml': 'id: [x\n' }).reason).toMatch(/not valid YAML/);
  expect(loadError({ 'x.yaml': 'id: y\nname: Y\n' })).toMatchObject({ pointer: '/id' });
  expect(loadError({ 'x.yaml': 'id: x\nname: X\noutbound:\n  channel: webhook\n' })).toMatchObject({
    pointer: '/outbound/webhook',
    reason: 'is required',
  });
});

test('one API key cannot belong to two partners', () => {
  const key = `inbound:\n  rest:\n    apiKeys: [{ id: k, sha256: ${'a'.repeat(64)}, scopes: [documents:write] }]\n`;
  const error = loadError({
    'aa.yaml': `id: aa\nname: A\n${key}`,
    'bb.yaml': `id: bb\nname: B\n${key}`,
  });
  expect(error.reason).toMatch(/already given to partner aa/);
});

test('partner.generated.ts is what the generator makes of partner.schema.json today', () => {
  const root = projectRoot();
  const generated = execFileSync(
    process.execPath,
    [path.join(root, 'scripts', 'generate-partner-types.mjs'), '--stdout'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  expect(generated === readFileSync(path.join(__dirname, 'partner.generated.ts'), 'utf8')).toBe(
    true,
  );
});

describe('party identifiers', () => {
  const tradingPartner = (id: string, identifiers: string, extra = '') =>
    `id: ${id}\nname: ${id}\npartyIdentifiers: ${identifiers}\n${extra}`;

  test('find the enabled partner a document party names, scheme in any case', () => {
    const registry = loadPartnerRegistry(
      partnersDir({
        'northwind.yaml': tradingPartner(
          'northwind',
          '[{ scheme: DUNS, value: "123456789" }, { scheme: GLN, value: "0614141000043" }]',
        ),
        'retired.yaml': tradingPartner(
          'retired',
          '[{ scheme: DUNS, value: "555" }]',
          'enabled: false\n',
        ),
      }),
      {},
    );
    expect(registry.byPartyIdentifier('DUNS', '123456789')?.config.id).toBe('northwind');
    expect(registry.byPartyIdentifier('duns', ' 123456789 ')?.config.id).toBe('northwind');
    expect(registry.byPartyIdentifier('GLN', '0614141000043')?.config.id).toBe('northwind');
    expect(registry.byPartyIdentifier('GLN', '123456789')).toBeUndefined();
    expect(registry.byPartyIdentifier('DUNS', '555')).toBeUndefined();
  });

  test('one identifier cannot belong to two partners', () => {
    const error = loadError({
      'aa.yaml': tradingPartner('aa', '[{ scheme: DUNS, value: "123456789" }]'),
      'bb.yaml': tradingPartner('bb', '[{ scheme: duns, value: "123456789" }]'),
    });
    expect(error.file).toMatch(/bb\.yaml$/);
    expect(error.pointer).toBe('/partyIdentifiers/0');
    expect(error.reason).toMatch(/DUNS|duns/);
    expect(error.reason).toMatch(/already used by partner aa/);
  });
});
