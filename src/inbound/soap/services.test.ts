import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMaps } from '../../mapping';
import { loadSoapServices, qualifiedKey, SoapServiceConfigError } from './services';

const fixtures = path.join(__dirname, '../../../test/fixtures/wsdl');
const NOTIFICATIONS = 'urn:example:notifications';

/** A home with the given files (relative path → text); returns its wsdl folder and its maps. */
function home(files: Record<string, string>) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'crossdock-soap-services-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return { wsdl: path.join(root, 'wsdl'), maps: loadMaps([path.join(root, 'mappings')]) };
}

const notificationsWsdl = readFileSync(path.join(fixtures, 'one-way/Notifications.wsdl'), 'utf8');
const maps = {
  'mappings/maps/status-changed.yaml':
    'name: status-changed\noutput:\n  $from: request\n  transferId: $ Reference\n  status: $ Status\n  statusTime: $ At\n',
  'mappings/maps/status-changed-other.yaml':
    'name: status-changed-other\noutput:\n  $from: request\n  transferId: $ Reference\n  status: executed\n  statusTime: $ At\n',
  'mappings/maps/pong.yaml': 'name: pong\noutput:\n  ServerTime: $ receivedAt\n',
};

/** The Notifications fixture served as `serviceName` at `servicePath`, its one-way call through `map`. */
function notificationsService(
  folder: string,
  serviceName: string,
  servicePath: string,
  map: string,
) {
  return {
    [`wsdl/${folder}/Notifications.wsdl`]: notificationsWsdl.replace(
      'name="NotificationService"',
      `name="${serviceName}"`,
    ),
    [`wsdl/${folder}/${folder}.service.yaml`]: `wsdl: Notifications.wsdl
ports: { NotificationsSoapPort: ${servicePath}, NotificationsSoap12Port: ${servicePath}/soap12 }
operations:
  NotifyStatusChanged:
    intake: { document: TransferStatus, map: ${map}, uniqueBusinessKey: false }
`,
  };
}

describe('loadSoapServices', () => {
  it('binds an operation that only replies, through its reply map', async () => {
    const { wsdl, maps: catalog } = home({
      ...maps,
      'wsdl/n/Notifications.wsdl': notificationsWsdl,
      'wsdl/n/n.service.yaml': `wsdl: Notifications.wsdl
operations:
  Ping:
    reply: { map: pong }
`,
    });
    const [service] = await loadSoapServices([wsdl], catalog);
    expect(service!.operations.get('Ping')).toMatchObject({ reply: { map: 'pong' } });
    expect(service!.operations.get('Ping')!.intake).toBeUndefined();
  });

  it('refuses a binding with neither track, intake nor reply, and a reply on a one-way operation', async () => {
    const empty = home({
      ...maps,
      'wsdl/n/Notifications.wsdl': notificationsWsdl,
      'wsdl/n/n.service.yaml': 'wsdl: Notifications.wsdl\noperations:\n  Ping: {}\n',
    });
    await expect(loadSoapServices([empty.wsdl], empty.maps)).rejects.toThrow(
      SoapServiceConfigError,
    );
    const oneWay = home({
      ...maps,
      'wsdl/n/Notifications.wsdl': notificationsWsdl,
      'wsdl/n/n.service.yaml':
        'wsdl: Notifications.wsdl\noperations:\n  NotifyStatusChanged:\n    reply: { map: pong }\n',
    });
    await expect(loadSoapServices([oneWay.wsdl], oneWay.maps)).rejects.toThrow(
      'the operation is one-way; it takes no reply',
    );
  });

  it("routes an rpc wrapper in the WSDL's targetNamespace to its operation", async () => {
    const { wsdl, maps: catalog } = home({
      ...maps,
      'wsdl/ledger/Ledger.wsdl': readFileSync(
        path.join(fixtures, 'rpc-literal/Ledger.wsdl'),
        'utf8',
      ),
      'wsdl/ledger/ledger.service.yaml':
        'wsdl: Ledger.wsdl\noperations:\n  PostEntry:\n    reply: { map: pong }\n',
    });
    const [service] = await loadSoapServices([wsdl], catalog);
    const port = service!.ports[0]!;
    expect(
      port.byRequestElement.get(qualifiedKey('urn:example:ledger:rpc', 'PostEntry'))?.name,
    ).toBe('PostEntry');
    expect(port.byRequestElement.get(qualifiedKey('urn:example:ledger', 'PostEntry'))?.name).toBe(
      'PostEntry',
    );
    expect(port.byRequestElement.get(qualifiedKey('urn:example:ledger', 'GetBalance'))?.name).toBe(
      'GetBalance',
    );
  });

  it('serves one WSDL twice when both services take its request elements alike', async () => {
    const { wsdl, maps: catalog } = home({
      ...maps,
      ...notificationsService('first', 'FirstNotifications', '/first', 'status-changed'),
      ...notificationsService('second', 'SecondNotifications', '/second', 'status-changed'),
    });
    const services = await loadSoapServices([wsdl], catalog);
    expect(services.map((service) => service.name).sort()).toEqual([
      'FirstNotifications',
      'SecondNotifications',
    ]);
  });

  it('refuses two services that take the same request element through different maps', async () => {
    const { wsdl, maps: catalog } = home({
      ...maps,
      ...notificationsService('first', 'FirstNotifications', '/first', 'status-changed'),
      ...notificationsService('second', 'SecondNotifications', '/second', 'status-changed-other'),
    });
    await expect(loadSoapServices([wsdl], catalog)).rejects.toThrow(
      new RegExp(`takes \\{${NOTIFICATIONS}\\}StatusChanged, which .*first\\.service\\.yaml`),
    );
  });
});
