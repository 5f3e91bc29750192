/**
 * The SOAP services the gateway serves: every `*.service.yaml` under the wsdl folders
 * (CROSSDOCK_HOME's first, then the built-in one), each checked against its JSON Schema, its WSDL
 * compiled (contract/load.ts), and every operation and map it names checked to exist, so a
 * mistake stops start-up with the file and the reason instead of failing a partner's call.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import type { DocumentKind } from '../../canonical';
import type { MapCatalog } from '../../mapping';
import { loadServiceContracts } from '../../soap/contract/load';
import type { ContractOperation, ServiceContract, ServicePort } from '../../soap/contract/types';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../../soap/xml-guard';
import serviceSchema from './service.schema.json';

export interface TrackSettings {
  document: DocumentKind;
  map: string;
  reportedBy?: DocumentKind;
  refuseWhen?: string[];
}

export interface IntakeSettings {
  document: DocumentKind;
  map: string;
  uniqueBusinessKey?: boolean;
}

export interface ReplySettings {
  mode?: 'accept-and-track' | 'request-reply';
  map: string;
  timeoutSeconds?: number;
  reportedBy?: DocumentKind;
}

/** The shape of a service file; service.schema.json is its source. */
interface ServiceFile {
  wsdl: string;
  service?: string;
  ports?: Record<string, string>;
  limits?: { maxBytes?: number; maxDepth?: number; maxElements?: number };
  refusals?: { fault: string; map: string };
  operations: Record<
    string,
    { track?: TrackSettings; intake?: IntakeSettings; reply?: ReplySettings }
  >;
}

export interface BoundOperation {
  contract: ContractOperation;
  track?: TrackSettings;
  intake?: IntakeSettings;
  reply?: ReplySettings;
}

export interface BoundPort {
  port: ServicePort;
  /** Where the gateway serves it. */
  path: string;
  /** Operations by the qualified name of their request element (`{ns}name`). */
  byRequestElement: Map<string, ContractOperation>;
}

export interface SoapService {
  name: string;
  /** The service file, for messages. */
  file: string;
  contract: ServiceContract;
  ports: BoundPort[];
  /** Bound operations by name; a WSDL operation missing here is refused. */
  operations: Map<string, BoundOperation>;
  limits: XmlLimits & { maxBytes: number };
  refusals?: { fault: string; map: string };
}

export class SoapServiceConfigError extends Error {
  override name = 'SoapServiceConfigError';
}

const SERVICE_FILE_SUFFIX = '.service.yaml';
const DEFAULT_MAX_BYTES = 1024 * 1024;

const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true });
const validateServiceFile = ajv.compile<ServiceFile>(serviceSchema);

export function qualifiedKey(ns: string, name: string): string {
  return `{${ns}}${name}`;
}

/** Loads every service file of the folders; a folder's file shadows a same-named one after it. */
export async function loadSoapServices(
  wsdlFolders: string[],
  maps: MapCatalog,
): Promise<SoapService[]> {
  const files = new Map<string, string>();
  for (const folder of wsdlFolders) {
    for (const file of serviceFiles(folder)) {
      const relative = path.relative(folder, file);
      if (!files.has(relative)) files.set(relative, file);
    }
  }
  const services: SoapService[] = [];
  for (const file of files.values()) services.push(await loadService(file, maps));

  const paths = new Map<string, string>();
  const names = new Map<string, string>();
  for (const service of services) {
    const other = names.get(service.name);
    if (other)
      throw new SoapServiceConfigError(
        `${service.file}: service ${service.name} is also served by ${other}`,
      );
    names.set(service.name, service.file);
    for (const bound of service.ports) {
      const holder = paths.get(bound.path);
      if (holder)
        throw new SoapServiceConfigError(
          `${service.file}: path ${bound.path} is also used by ${holder}`,
        );
      paths.set(bound.path, service.file);
    }
  }
  checkRequestElementsTakenAlike(services);
  return services;
}

/**
 * The process worker reads a stored call by its request element alone (interpret.ts): it cannot
 * tell which service took it. So two services that take the same element (a WSDL served twice,
 * say once accept-and-track and once request-reply) must turn it into the same document by the
 * same maps; otherwise one of them would be interpreted by the other's maps.
 */
function checkRequestElementsTakenAlike(services: SoapService[]): void {
  const first = new Map<string, { service: SoapService; operation: BoundOperation }>();
  for (const service of services) {
    for (const port of service.ports) {
      for (const [key, contract] of port.byRequestElement) {
        const operation = service.operations.get(contract.name);
        if (!operation?.intake) continue;
        const earlier = first.get(key);
        if (!earlier) {
          first.set(key, { service, operation });
        } else if (earlier.service !== service && !takenAlike(earlier.operation, operation)) {
          throw new SoapServiceConfigError(
            `${service.file}: operation ${contract.name} takes ${key}, which ${earlier.service.file} (${earlier.operation.contract.name}) also takes with other track or intake settings; give them the same, or serve one of them only`,
          );
        }
      }
    }
  }
}

function takenAlike(one: BoundOperation, other: BoundOperation): boolean {
  return JSON.stringify([one.track, one.intake]) === JSON.stringify([other.track, other.intake]);
}

/**
 * Which operation a request element calls: each operation's own element, then the other names
 * its request is also read under (an rpc wrapper in the WSDL's namespace), where no operation
 * claims that name as its own and no other one also accepts it.
 */
export function operationsByRequestElement(
  operations: ContractOperation[],
): Map<string, ContractOperation> {
  const byElement = new Map<string, ContractOperation>();
  for (const operation of operations) {
    const { ns, name } = operation.input.element;
    byElement.set(qualifiedKey(ns, name), operation);
  }
  const aliases = new Map<string, ContractOperation | null>();
  for (const operation of operations) {
    for (const { ns, name } of operation.input.alsoAccepted) {
      const key = qualifiedKey(ns, name);
      if (byElement.has(key)) continue;
      aliases.set(key, aliases.has(key) && aliases.get(key) !== operation ? null : operation);
    }
  }
  for (const [key, operation] of aliases) if (operation) byElement.set(key, operation);
  return byElement;
}

function serviceFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return (
    readdirSync(folder, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]
  )
    .filter((entry) => entry.isFile() && entry.name.endsWith(SERVICE_FILE_SUFFIX))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

async function loadService(file: string, maps: MapCatalog): Promise<SoapService> {
  const fail = (reason: string): never => {
    throw new SoapServiceConfigError(`${file}: ${reason}`);
  };
  let settings: unknown;
  try {
    settings = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(`not valid YAML: ${(error as Error).message}`);
  }
  if (!validateServiceFile(settings)) {
    const [first] = validateServiceFile.errors ?? [];
    return fail(`${first?.instancePath || '/'} ${first?.message ?? 'is not valid'}`);
  }
  const wsdlFile = path.resolve(path.dirname(file), settings.wsdl);
  if (!existsSync(wsdlFile)) fail(`wsdl ${settings.wsdl} does not exist`);
  let contracts: ServiceContract[];
  try {
    contracts = await loadServiceContracts(wsdlFile);
  } catch (error) {
    return fail(`${settings.wsdl} cannot be read: ${(error as Error).message}`);
  }
  const contract = settings.service
    ? contracts.find((candidate) => candidate.name === settings.service)
    : contracts.length === 1
      ? contracts[0]
      : undefined;
  if (!contract) {
    return fail(
      settings.service
        ? `${settings.wsdl} has no service ${settings.service}`
        : `${settings.wsdl} has ${contracts.length} services; name one with "service"`,
    );
  }
  if (contract.ports.length === 0) fail(`service ${contract.name} has no SOAP 1.1 or 1.2 port`);

  for (const portName of Object.keys(settings.ports ?? {})) {
    if (!contract.ports.some((port) => port.name === portName))
      fail(`ports: service ${contract.name} has no port ${portName}`);
  }
  const ports: BoundPort[] = contract.ports.map((port) => ({
    port,
    path:
      settings.ports?.[port.name] ??
      (port.addressPath || fail(`port ${port.name} has no address path; give one under ports`)),
    byRequestElement: operationsByRequestElement(port.operations),
  }));

  const operations = new Map<string, BoundOperation>();
  for (const [name, bound] of Object.entries(settings.operations)) {
    const operation = contract.ports
      .flatMap((port) => port.operations)
      .find((candidate) => candidate.name === name);
    if (!operation) fail(`operations: service ${contract.name} has no operation ${name}`);
    const needsMap = (map: string | undefined, where: string) => {
      if (map !== undefined && !maps.get(map))
        fail(`operations.${name}.${where}: there is no map named "${map}" in mappings/`);
    };
    needsMap(bound.track?.map, 'track.map');
    needsMap(bound.intake?.map, 'intake.map');
    needsMap(bound.reply?.map, 'reply.map');
    if (operation!.output && !bound.reply)
      fail(`operations.${name}: the operation answers, so it needs a reply`);
    if (!operation!.output && bound.reply)
      fail(`operations.${name}: the operation is one-way; it takes no reply`);
    if (bound.reply?.mode === 'request-reply' && !(bound.intake && bound.reply.reportedBy))
      fail(
        `operations.${name}.reply: request-reply waits for a report on the document the call gives, so it needs an intake and reply.reportedBy`,
      );
    operations.set(name, { contract: operation!, ...bound });
  }
  if (settings.refusals) {
    const { fault, map } = settings.refusals;
    if (!maps.get(map)) fail(`refusals.map: there is no map named "${map}" in mappings/`);
    const declares = contract.ports.some((port) =>
      port.operations.some((operation) =>
        operation.faults.some((candidate) => candidate.name === fault),
      ),
    );
    if (!declares)
      fail(`refusals.fault: no operation of ${contract.name} declares a fault ${fault}`);
  }
  return {
    name: contract.name,
    file,
    contract,
    ports,
    operations,
    limits: {
      ...DEFAULT_XML_LIMITS,
      ...(settings.limits?.maxDepth ? { maxDepth: settings.limits.maxDepth } : {}),
      ...(settings.limits?.maxElements ? { maxElements: settings.limits.maxElements } : {}),
      maxBytes: settings.limits?.maxBytes ?? DEFAULT_MAX_BYTES,
    },
    refusals: settings.refusals,
  };
}
