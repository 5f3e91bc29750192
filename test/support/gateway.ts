import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig, type GatewayConfig } from '../../src/config';
import { startGateway, type Gateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { hashApiKey } from '../../src/http/api-keys';
import { createPostgresDatabase, type TestDatabase } from './databases';

export interface TestGateway extends Gateway {
  home: string;
  varDir: string;
  config: GatewayConfig;
}

export const TEST_API_KEY = 'test-key-globex';
export const TEST_X12_KEY = 'test-x12-key-globex';
export const TEST_X12_PASSWORD = 'basic-secret';
/** The supplier's own ERP posting acknowledgments, invoices and ship notices for partners. */
export const TEST_ERP_KEY = 'test-key-acme-erp';
/** Northwind, a retailer reached over X12 files, also posts purchase orders from its portal. */
export const TEST_NORTHWIND_KEY = 'test-key-northwind';
/** Northwind's DUNS, as the canonical examples' buyer party carries it. */
export const TEST_NORTHWIND_DUNS = '123456789';
export const TEST_WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * A partners folder with a REST sender, a webhook subscriber pointed at `webhookUrl` (the ERP,
 * which also posts documents for trading partners), and a trading partner reached over X12
 * files that is found by its party identifiers.
 */
export function writeTestPartners(
  home: string,
  webhookUrl: string,
  retry = { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 },
): void {
  const dir = path.join(home, 'partners');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'globex-retail.yaml'),
    `id: globex-retail
name: Globex Retail
inbound:
  rest:
    apiKeys:
      - { id: test, sha256: ${hashApiKey(TEST_API_KEY)}, scopes: [documents:write] }
      - { id: invoices-only, sha256: ${hashApiKey('invoices-only-key')}, scopes: [invoices:write] }
x12:
  interchangeIds: [{ qualifier: ZZ, id: GLOBEXRETAIL }]
  ourIds: [{ qualifier: ZZ, id: ACMESUPPLY }]
  auth:
    apiKeys: [{ id: edi, sha256: ${hashApiKey(TEST_X12_KEY)} }]
    basic: { username: globex, password: "\${TEST_X12_PASSWORD}" }
  maxBytes: 200000
`,
  );
  writeFileSync(
    path.join(dir, 'acme-erp.yaml'),
    `id: acme-erp
name: ACME ERP
inbound:
  rest:
    apiKeys:
      - { id: erp, sha256: ${hashApiKey(TEST_ERP_KEY)}, scopes: [documents:write] }
outbound:
  channel: webhook
  webhook:
    url: \${TEST_SINK_URL}
    secret: \${TEST_WEBHOOK_SECRET}
    timeoutMs: 2000
  retry: { attempts: ${retry.attempts}, baseDelayMs: ${retry.baseDelayMs}, maxDelayMs: ${retry.maxDelayMs} }
subscriptions:
  - events: [com.crossdock.purchase-order]
`,
  );
  writeFileSync(
    path.join(dir, 'northwind-retail.yaml'),
    `id: northwind-retail
name: Northwind Retail
partyIdentifiers:
  - { scheme: DUNS, value: "${TEST_NORTHWIND_DUNS}" }
  - { scheme: GLN, value: "0614141000043" }
inbound:
  rest:
    apiKeys:
      - { id: portal, sha256: ${hashApiKey(TEST_NORTHWIND_KEY)}, scopes: [purchase-orders:write] }
x12:
  interchangeIds: [{ qualifier: ZZ, id: NORTHWIND }]
  ourIds: [{ qualifier: ZZ, id: ACMESUPPLY }]
outbound:
  channel: x12-file
  x12File: { directory: x12-out/northwind-retail }
  retry: { attempts: ${retry.attempts}, baseDelayMs: ${retry.baseDelayMs}, maxDelayMs: ${retry.maxDelayMs} }
`,
  );
}

/**
 * Starts a real gateway on a free port: its own redis-server (or the given one), PGlite in a
 * temp folder or, with TEST_DATABASE_URL, a fresh PostgreSQL database.
 */
export async function startTestGateway(options: {
  webhookUrl: string;
  home?: string;
  varDir?: string;
  env?: Record<string, string>;
  database?: TestDatabase | 'fresh';
}): Promise<TestGateway & { database?: TestDatabase }> {
  const home = options.home ?? mkdtempSync(path.join(os.tmpdir(), 'crossdock-home-'));
  const varDir = options.varDir ?? mkdtempSync(path.join(os.tmpdir(), 'crossdock-var-'));
  if (!options.home) writeTestPartners(home, options.webhookUrl);
  let database = options.database === 'fresh' ? undefined : options.database;
  if (!database && process.env.TEST_DATABASE_URL) database = await createPostgresDatabase();
  const env = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    CROSSDOCK_HOME: home,
    CROSSDOCK_VAR_DIR: varDir,
    TEST_SINK_URL: options.webhookUrl,
    TEST_WEBHOOK_SECRET,
    TEST_X12_PASSWORD,
    DATABASE_URL: database?.url ?? '',
    REDIS_URL: '',
    ...options.env,
  };
  const config = readConfig(env);
  const gateway = await startGateway(
    config,
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    env,
  );
  return { ...gateway, home, varDir, config, database };
}

export async function stopTestGateway(
  gateway: (TestGateway & { database?: TestDatabase }) | undefined,
  cleanup = true,
): Promise<void> {
  if (!gateway) return;
  await gateway.stop();
  if (cleanup) {
    await gateway.database?.drop();
    rmSync(gateway.varDir, { recursive: true, force: true });
    rmSync(gateway.home, { recursive: true, force: true });
  }
}
