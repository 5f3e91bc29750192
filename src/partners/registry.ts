import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import partnerSchema from './partner.schema.json';
import type { Partner } from './partner.generated';
import { resolveEnvRefs } from './env-refs';

export type { Partner } from './partner.generated';

/** Stops start-up: a partner file that is not valid names its file, the path in it, and why. */
export class PartnerConfigError extends Error {
  constructor(
    readonly file: string,
    readonly pointer: string,
    readonly reason: string,
  ) {
    super(`${file}${pointer ? ` at ${pointer}` : ''}: ${reason}`);
    this.name = 'PartnerConfigError';
  }
}

export interface LoadedPartner {
  config: Partner;
  file: string;
  /** Environment variables the file references that are not set. */
  missingEnv: string[];
}

export interface ApiKeyGrant {
  partner: LoadedPartner;
  keyId: string;
  scopes: string[];
}

const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true });
const validatePartner = ajv.compile<Partner>(partnerSchema);

export class PartnerRegistry {
  private readonly byId = new Map<string, LoadedPartner>();
  private readonly byKeyHash = new Map<string, ApiKeyGrant>();
  private readonly byInterchangeId = new Map<string, LoadedPartner>();
  private readonly byPartyId = new Map<string, LoadedPartner>();

  constructor(partners: LoadedPartner[]) {
    for (const partner of partners) {
      const existing = this.byId.get(partner.config.id);
      if (existing) {
        throw new PartnerConfigError(
          partner.file,
          '/id',
          `id "${partner.config.id}" is also used by ${existing.file}`,
        );
      }
      this.byId.set(partner.config.id, partner);
      partner.config.inbound?.rest?.apiKeys.forEach((key, index) => {
        const holder = this.byKeyHash.get(key.sha256);
        if (holder) {
          throw new PartnerConfigError(
            partner.file,
            `/inbound/rest/apiKeys/${index}/sha256`,
            `the same API key is already given to partner ${holder.partner.config.id}`,
          );
        }
        this.byKeyHash.set(key.sha256, { partner, keyId: key.id, scopes: key.scopes });
      });
      partner.config.x12?.interchangeIds.forEach((identity, index) => {
        const key = interchangeKey(identity.qualifier, identity.id);
        const holder = this.byInterchangeId.get(key);
        if (holder) {
          throw new PartnerConfigError(
            partner.file,
            `/x12/interchangeIds/${index}`,
            `interchange id ${identity.qualifier}/${identity.id} is already used by partner ${holder.config.id}`,
          );
        }
        this.byInterchangeId.set(key, partner);
      });
      partner.config.partyIdentifiers?.forEach((identifier, index) => {
        const key = partyIdentifierKey(identifier.scheme, identifier.value);
        const holder = this.byPartyId.get(key);
        if (holder && holder !== partner) {
          throw new PartnerConfigError(
            partner.file,
            `/partyIdentifiers/${index}`,
            `party identifier ${identifier.scheme} ${identifier.value} is already used by partner ${holder.config.id}`,
          );
        }
        this.byPartyId.set(key, partner);
      });
    }
  }

  all(): LoadedPartner[] {
    return [...this.byId.values()];
  }

  get(id: string): LoadedPartner | undefined {
    return this.byId.get(id);
  }

  /** The partner that sends X12 as ISA05/ISA06 (trailing padding ignored), if any. */
  bySenderInterchangeId(qualifier: string, id: string): LoadedPartner | undefined {
    const partner = this.byInterchangeId.get(interchangeKey(qualifier, id));
    return partner && partner.config.enabled !== false ? partner : undefined;
  }

  /**
   * The enabled partner that a document's party identifier (DUNS, GLN, ...) names, if any.
   * Schemes compare without regard to case (`DUNS`, `duns`); values exactly, padding aside.
   */
  byPartyIdentifier(scheme: string, value: string): LoadedPartner | undefined {
    const partner = this.byPartyId.get(partyIdentifierKey(scheme, value));
    return partner && partner.config.enabled !== false ? partner : undefined;
  }

  /** The partner and scopes an API key (given as its hex SHA-256) grants, if any. */
  grantForKeyHash(sha256: string): ApiKeyGrant | undefined {
    const grant = this.byKeyHash.get(sha256);
    return grant && grant.partner.config.enabled !== false ? grant : undefined;
  }
}

function interchangeKey(qualifier: string, id: string): string {
  return `${qualifier.trim()}/${id.trim()}`;
}

function partyIdentifierKey(scheme: string, value: string): string {
  return `${scheme.trim().toUpperCase()}\u0000${value.trim()}`;
}

/** Reads and validates every `*.yaml`/`*.yml` file of a partners folder. */
export function loadPartnerRegistry(dir: string, env: NodeJS.ProcessEnv): PartnerRegistry {
  const files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  return new PartnerRegistry(files.map((name) => loadPartnerFile(path.join(dir, name), env)));
}

export function loadPartnerFile(file: string, env: NodeJS.ProcessEnv): LoadedPartner {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'), { prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      throw new PartnerConfigError(file, '', `not valid YAML: ${error.message}`);
    }
    throw error;
  }
  if (!validatePartner(document)) {
    const first = pickMostUseful(validatePartner.errors ?? []);
    throw new PartnerConfigError(file, pointerOf(first), describe(first));
  }
  const expectedId = path.basename(file).replace(/\.ya?ml$/, '');
  if (document.id !== expectedId) {
    throw new PartnerConfigError(
      file,
      '/id',
      `id "${document.id}" must equal the file name "${expectedId}"`,
    );
  }
  const { value, missing } = resolveEnvRefs(document, env);
  return { config: value, file, missingEnv: missing };
}

function pickMostUseful(errors: ErrorObject[]): ErrorObject {
  // The deepest error is the most specific one; schema-combinator errors restate it.
  return [...errors].sort((a, b) => pointerOf(b).length - pointerOf(a).length)[0]!;
}

function pointerOf(error: ErrorObject | undefined): string {
  if (!error) return '';
  if (error.keyword === 'required')
    return `${error.instancePath}/${String(error.params.missingProperty)}`;
  if (error.keyword === 'additionalProperties') {
    return `${error.instancePath}/${String(error.params.additionalProperty)}`;
  }
  return error.instancePath;
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid';
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known setting';
    case 'pattern':
      return String(error.params.pattern).startsWith('^\\$\\{')
        ? 'must be an environment reference like ${MY_SECRET}, never a literal secret'
        : `must match ${String(error.params.pattern)}`;
    default:
      return error.message ?? 'invalid';
  }
}
