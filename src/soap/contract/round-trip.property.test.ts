/**
 * Property: any value valid for a message's schema survives write → parse (the hardened parser)
 * → read unchanged. Values are generated from the compiled schema itself, so every content model
 * the fixtures use (sequence, choice, all, repetition, extension, nil, lists, unions, attributes)
 * is exercised with random data.
 */
import path from 'node:path';
import fc from 'fast-check';
import { parseGuardedXml } from '../xml-guard';
import { collectDocuments } from './documents';
import { loadServiceContracts } from './load';
import { checkSimpleValue } from './simple-value';
import { compileSchemas } from './xsd-compile';
import type {
  ElementDeclaration,
  Particle,
  SimpleTypeDefinition,
  ComplexTypeDefinition,
} from './xsd-model';
import type { MessageShape } from './types';

const root = path.join(__dirname, '../../..');

const TEXT_UNITS = [...'abcXYZ019 <>&"\'\t\néß€😀-./'];

function simpleValue(type: SimpleTypeDefinition): fc.Arbitrary<string> {
  return unfilteredSimpleValue(type).filter((value) => {
    const check = checkSimpleValue(type, value);
    return check.ok && check.value === value;
  });
}

function unfilteredSimpleValue(type: SimpleTypeDefinition): fc.Arbitrary<string> {
  const { facets } = type;
  const enumeration = facets.enumerations.at(-1);
  if (enumeration) return fc.constantFrom(...enumeration);
  const pattern = facets.patterns.at(-1);
  if (pattern) return fc.oneof(...pattern.regexes.map((regex) => fc.stringMatching(regex)));
  if (type.variety === 'list') {
    return fc
      .array(type.itemType ? simpleValue(type.itemType) : fc.constant('x'), {
        minLength: 1,
        maxLength: 3,
      })
      .map((items) => items.join(' '));
  }
  if (type.variety === 'union') return fc.oneof(...(type.memberTypes ?? []).map(simpleValue));
  const builtin = type.builtin;
  const bounds = boundsOf(type);
  if (builtin.integerRange) {
    const { min = -(10n ** 30n), max = 10n ** 30n } = builtin.integerRange;
    const low = bounds.min !== undefined && bounds.min > min ? bounds.min : min;
    const high = bounds.max !== undefined && bounds.max < max ? bounds.max : max;
    return fc.bigInt({ min: low, max: high }).map(String);
  }
  const lengths = Object.fromEntries(facets.lengths.map(({ kind, value }) => [kind, value]));
  switch (builtin.primitive) {
    case 'decimal': {
      const fraction = Math.min(facets.fractionDigits ?? 6, 6);
      const total = Math.min(facets.totalDigits ?? 24, 24);
      return fc.integer({ min: 0, max: fraction }).chain((scale) => {
        // Bounds scaled to units of the last fraction digit, so the range is exact.
        const unit = 10n ** BigInt(scale);
        const limit = 10n ** BigInt(total) - 1n;
        const low = bounds.min === undefined ? -limit : bounds.min * unit;
        const high = bounds.max === undefined ? limit : bounds.max * unit;
        return fc
          .bigInt({ min: low > -limit ? low : -limit, max: high < limit ? high : limit })
          .map((units) => {
            const text = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
            const value = scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
            return units < 0n ? `-${value}` : value;
          });
      });
    }
    case 'boolean':
      return fc.constantFrom('true', 'false', '1', '0');
    case 'date':
      return fc
        .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((date) => date.toISOString().slice(0, 10));
    case 'dateTime':
      return fc
        .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((date) => date.toISOString());
    case 'gYear':
      return fc.integer({ min: 1000, max: 9999 }).map(String);
    default: {
      const isCollapsed = type.whiteSpace === 'collapse';
      const units = isCollapsed
        ? TEXT_UNITS.filter((unit) => unit !== '\t' && unit !== '\n')
        : TEXT_UNITS;
      return fc
        .string({
          unit: fc.constantFrom(...units),
          minLength: lengths.minLength ?? lengths.length ?? 0,
          maxLength: lengths.maxLength ?? lengths.length ?? 12,
        })
        .map((text) => (isCollapsed ? text.replace(/ +/g, ' ').trim() : text));
    }
  }
}

/** Integer bounds of the range facets (decimal bounds truncated inward), for generating in range. */
function boundsOf(type: SimpleTypeDefinition): { min?: bigint; max?: bigint } {
  const result: { min?: bigint; max?: bigint } = {};
  for (const { kind, value } of type.facets.bounds) {
    const whole = BigInt(value.trim().split('.')[0]!);
    if (kind === 'minInclusive' || kind === 'minExclusive')
      result.min = whole + (kind === 'minExclusive' || value.includes('.') ? 1n : 0n);
    else result.max = whole - (kind === 'maxExclusive' ? 1n : 0n);
  }
  return result;
}

function elementValue(declaration: ElementDeclaration, depth: number): fc.Arbitrary<unknown> {
  const type = declaration.type;
  const value = type.kind === 'simple' ? simpleValue(type) : complexValue(type, depth);
  return declaration.nillable
    ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: value })
    : value;
}

function complexValue(type: ComplexTypeDefinition, depth: number): fc.Arbitrary<unknown> {
  const content = type.content;
  const attributes = fc.record(
    Object.fromEntries(
      type.attributes.map((attribute) => [attribute.name, simpleValue(attribute.type)]),
    ),
    {
      requiredKeys: type.attributes
        .filter((attribute) => attribute.required)
        .map((attribute) => attribute.name),
    },
  );
  if (content.kind === 'any')
    return fc.string({ unit: fc.constantFrom(...'abc 12'), maxLength: 8 });
  if (content.kind === 'simple')
    return fc
      .tuple(attributes, simpleValue(content.type))
      .map(([attrs, value]) => ({ value, ...attrs }));
  if (content.kind === 'empty') return attributes;
  return fc
    .tuple(attributes, particleValues(content.particle, type, depth))
    .map(([attrs, children]) => ({ ...attrs, ...children }));
}

type Children = Record<string, unknown>;

function merge(owner: ComplexTypeDefinition, parts: Children[]): Children {
  const merged: Children = {};
  for (const part of parts) {
    for (const [name, value] of Object.entries(part)) {
      if (owner.isRepeated(name))
        merged[name] = [...((merged[name] as unknown[]) ?? []), ...(value as unknown[])];
      else merged[name] = value;
    }
  }
  return merged;
}

function particleValues(
  particle: Particle,
  owner: ComplexTypeDefinition,
  depth: number,
): fc.Arbitrary<Children> {
  const maxRepeats = depth > 3 ? particle.min : Math.min(particle.max, particle.min + 2);
  const once = (): fc.Arbitrary<Children> => {
    switch (particle.kind) {
      case 'element': {
        const declaration = particle.element;
        return elementValue(declaration, depth + 1).map((value) => ({
          [declaration.name]: owner.isRepeated(declaration.name) ? [value] : value,
        }));
      }
      case 'any':
        return fc.constant({});
      case 'choice':
        return fc.oneof(...particle.particles.map((inner) => particleValues(inner, owner, depth)));
      default:
        return fc
          .tuple(...particle.particles.map((inner) => particleValues(inner, owner, depth)))
          .map((parts) => merge(owner, parts));
    }
  };
  return fc
    .array(once(), { minLength: particle.min, maxLength: Math.max(particle.min, maxRepeats) })
    .map((parts) => merge(owner, parts));
}

async function messageCase(
  wsdl: string,
  operation: string,
): Promise<{ shape: MessageShape; values: fc.Arbitrary<unknown> }> {
  const file = path.join(root, wsdl);
  const [contract] = await loadServiceContracts(file);
  const shape = contract!.ports[0]!.operations.find(
    (candidate) => candidate.name === operation,
  )!.input;
  const declaration = compileSchemas(await collectDocuments(file)).element(shape.element);
  if (!declaration) throw new Error(`no declaration for ${shape.element.name}`);
  return { shape, values: elementValue(declaration, 0) };
}

describe('write → parse → read is the identity on schema-valid values', () => {
  const cases: [string, string][] = [
    ['wsdl/funds-transfer/FundsTransfer.wsdl', 'SubmitTransfer'],
    ['wsdl/funds-transfer/FundsTransfer.wsdl', 'GetTransferStatus'],
    ['test/fixtures/wsdl/schema-features/Policy.wsdl', 'Quote'],
  ];
  it.each(cases)('%s %s', async (wsdl, operation) => {
    const { shape, values } = await messageCase(wsdl, operation);
    fc.assert(
      fc.property(values, (value) => {
        const record = value as Record<string, unknown>;
        const xml = shape.write(record);
        const read = shape.read(parseGuardedXml(Buffer.from(xml)));
        expect(read).toEqual({ ok: true, value: record });
      }),
      { numRuns: Number(process.env.RUNS ?? 150) },
    );
  });

  it('rpc/literal PostEntry', async () => {
    const file = path.join(root, 'test/fixtures/wsdl/rpc-literal/Ledger.wsdl');
    const [contract] = await loadServiceContracts(file);
    const shape = contract!.ports[0]!.operations[0]!.input;
    const schemas = compileSchemas(await collectDocuments(file));
    const posting = schemas.type({
      ns: 'urn:example:ledger:types',
      name: 'Posting',
    }) as ComplexTypeDefinition;
    const values = fc.record({
      journal: fc.string({ unit: fc.constantFrom(...TEXT_UNITS), maxLength: 10 }),
      sequence: fc.integer().map(String),
      posting: complexValue(posting, 0),
    });
    fc.assert(
      fc.property(values, (value) => {
        expect(shape.read(parseGuardedXml(Buffer.from(shape.write(value))))).toEqual({
          ok: true,
          value,
        });
      }),
      { numRuns: Number(process.env.RUNS ?? 150) },
    );
  });
});
