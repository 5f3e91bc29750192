/**
 * Compiles the XML Schemas of a WSDL's documents into the model of xsd-model.ts. Each schema
 * keeps its own context (target namespace, elementFormDefault, attributeFormDefault), so an
 * unqualified schema imported by a qualified one, or a chameleon include, reads the way the
 * XSD rules say. Named components are found across files and namespaces by their QName.
 */
import { schemasOf, XSD_NAMESPACE, type ContractDocument } from './documents';
import { BUILTIN_TYPES } from './xsd-builtins';
import { compileXsdPattern } from './xsd-pattern';
import { attributeOf, qualifiedNameOf, type DocumentNode } from './xml-document';
import {
  ComplexTypeDefinition,
  ElementDeclaration,
  type AttributeDeclaration,
  type ComplexParts,
  type FacetSet,
  type Particle,
  type SimpleTypeDefinition,
  type TypeDefinition,
} from './xsd-model';
import type { QualifiedName } from './types';

interface SchemaContext {
  targetNamespace: string;
  isElementFormQualified: boolean;
  isAttributeFormQualified: boolean;
}

interface Component {
  node: DocumentNode;
  context: SchemaContext;
}

type ComponentKind = 'element' | 'type' | 'group' | 'attributeGroup' | 'attribute';

export interface SchemaSet {
  element(name: QualifiedName): ElementDeclaration | undefined;
  type(name: QualifiedName): TypeDefinition | undefined;
  /** The prefix the schemas themselves use for a namespace, to write familiar-looking XML. */
  preferredPrefix(ns: string): string | undefined;
}

const ANY_TYPE = new ComplexTypeDefinition('xsd:anyType', () => ({
  attributes: [],
  anyAttribute: true,
  content: { kind: 'any' },
}));

const EMPTY_FACETS: FacetSet = { patterns: [], enumerations: [], lengths: [], bounds: [] };

function builtinSimpleType(name: string): SimpleTypeDefinition | undefined {
  const builtin = BUILTIN_TYPES.get(name);
  if (!builtin) return undefined;
  return {
    kind: 'simple',
    label: `xsd:${name}`,
    builtin,
    variety: 'atomic',
    whiteSpace: builtin.whiteSpace,
    facets: EMPTY_FACETS,
  };
}

const keyOf = (name: QualifiedName): string => `{${name.ns}}${name.name}`;
const isXsd = (node: DocumentNode, name: string): boolean =>
  node.ns === XSD_NAMESPACE && node.name === name;

export function compileSchemas(documents: ContractDocument[]): SchemaSet {
  const components = new Map<string, Component>();
  const preferredPrefixes = new Map<string, string>();
  const elementMemo = new Map<string, ElementDeclaration>();
  const typeMemo = new Map<string, TypeDefinition | 'compiling'>();

  indexSchemas(documents, components, preferredPrefixes);

  function component(kind: ComponentKind, name: QualifiedName): Component | undefined {
    return components.get(`${kind}${keyOf(name)}`);
  }

  function requireComponent(kind: ComponentKind, name: QualifiedName): Component {
    const found = component(kind, name);
    if (!found)
      throw new Error(`the schemas declare no ${kind} ${name.name} in namespace "${name.ns}"`);
    return found;
  }

  function globalElement(name: QualifiedName): ElementDeclaration {
    const memoized = elementMemo.get(keyOf(name));
    if (memoized) return memoized;
    const { node, context } = requireComponent('element', name);
    const declaration = elementDeclaration(node, context, context.targetNamespace);
    elementMemo.set(keyOf(name), declaration);
    return declaration;
  }

  function resolveType(name: QualifiedName): TypeDefinition {
    if (name.ns === XSD_NAMESPACE) {
      if (name.name === 'anyType') return ANY_TYPE;
      const builtin = builtinSimpleType(name.name);
      if (!builtin) throw new Error(`xsd:${name.name} is not a built-in type`);
      return builtin;
    }
    const memoized = typeMemo.get(keyOf(name));
    if (memoized === 'compiling') throw new Error(`simple type ${name.name} derives from itself`);
    if (memoized) return memoized;
    const { node, context } = requireComponent('type', name);
    if (node.name === 'complexType') {
      const type = complexType(node, context, name.name);
      typeMemo.set(keyOf(name), type);
      return type;
    }
    typeMemo.set(keyOf(name), 'compiling');
    const type = simpleType(node, context, name.name);
    typeMemo.set(keyOf(name), type);
    return type;
  }

  function resolveSimpleType(name: QualifiedName, where: string): SimpleTypeDefinition {
    const type = resolveType(name);
    if (type.kind !== 'simple')
      throw new Error(`${where}: ${name.name} is a complex type, a simple type is needed`);
    return type;
  }

  function elementDeclaration(
    node: DocumentNode,
    context: SchemaContext,
    ns: string,
  ): ElementDeclaration {
    const name = attributeOf(node, 'name') ?? '';
    const typeName = attributeOf(node, 'type');
    const inline = node.children.find(
      (child) => isXsd(child, 'complexType') || isXsd(child, 'simpleType'),
    );
    const head = attributeOf(node, 'substitutionGroup');
    return new ElementDeclaration(name, ns, attributeOf(node, 'nillable') === 'true', () => {
      if (typeName !== undefined) return resolveType(qualifiedNameOf(node, typeName));
      if (inline?.name === 'complexType')
        return complexType(inline, context, `the type of ${name}`);
      if (inline) return simpleType(inline, context, `the type of ${name}`);
      if (head !== undefined) return globalElement(qualifiedNameOf(node, head)).type;
      return ANY_TYPE;
    });
  }

  function simpleType(
    node: DocumentNode,
    context: SchemaContext,
    label: string,
  ): SimpleTypeDefinition {
    const restriction = node.children.find((child) => isXsd(child, 'restriction'));
    if (restriction) return restrictedSimpleType(restriction, context, label, undefined);
    const list = node.children.find((child) => isXsd(child, 'list'));
    if (list) {
      const itemTypeName = attributeOf(list, 'itemType');
      const inline = list.children.find((child) => isXsd(child, 'simpleType'));
      const itemType =
        itemTypeName !== undefined
          ? resolveSimpleType(qualifiedNameOf(list, itemTypeName), label)
          : inline && simpleType(inline, context, `the item type of ${label}`);
      return {
        kind: 'simple',
        label,
        builtin: BUILTIN_TYPES.get('anySimpleType')!,
        variety: 'list',
        ...(itemType ? { itemType } : {}),
        whiteSpace: 'collapse',
        facets: EMPTY_FACETS,
      };
    }
    const union = node.children.find((child) => isXsd(child, 'union'));
    if (union) {
      const named = (attributeOf(union, 'memberTypes') ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((member) => resolveSimpleType(qualifiedNameOf(union, member), label));
      const inline = union.children
        .filter((child) => isXsd(child, 'simpleType'))
        .map((child, index) => simpleType(child, context, `member ${index + 1} of ${label}`));
      return {
        kind: 'simple',
        label,
        builtin: BUILTIN_TYPES.get('anySimpleType')!,
        variety: 'union',
        memberTypes: [...named, ...inline],
        whiteSpace: 'collapse',
        facets: EMPTY_FACETS,
      };
    }
    throw new Error(`simple type ${label} has no restriction, list or union`);
  }

  /** A restriction's facets on top of its base (given for simpleContent, else from @base). */
  function restrictedSimpleType(
    restriction: DocumentNode,
    context: SchemaContext,
    label: string,
    givenBase: SimpleTypeDefinition | undefined,
  ): SimpleTypeDefinition {
    const baseName = attributeOf(restriction, 'base');
    const inline = restriction.children.find((child) => isXsd(child, 'simpleType'));
    const base = inline
      ? simpleType(inline, context, `the base of ${label}`)
      : (givenBase ??
        (baseName !== undefined
          ? resolveSimpleType(qualifiedNameOf(restriction, baseName), label)
          : undefined));
    if (!base) throw new Error(`the restriction in ${label} has no base type`);
    const facets: FacetSet = {
      patterns: [...base.facets.patterns],
      enumerations: [...base.facets.enumerations],
      lengths: [...base.facets.lengths],
      bounds: [...base.facets.bounds],
      ...(base.facets.totalDigits === undefined ? {} : { totalDigits: base.facets.totalDigits }),
      ...(base.facets.fractionDigits === undefined
        ? {}
        : { fractionDigits: base.facets.fractionDigits }),
    };
    let whiteSpace = base.whiteSpace;
    const patterns: string[] = [];
    const enumeration: string[] = [];
    for (const facet of restriction.children) {
      if (facet.ns !== XSD_NAMESPACE) continue;
      const value = attributeOf(facet, 'value') ?? '';
      switch (facet.name) {
        case 'pattern':
          patterns.push(value);
          break;
        case 'enumeration':
          enumeration.push(value);
          break;
        case 'length':
        case 'minLength':
        case 'maxLength':
          facets.lengths.push({ kind: facet.name, value: Number(value) });
          break;
        case 'minInclusive':
        case 'maxInclusive':
        case 'minExclusive':
        case 'maxExclusive':
          facets.bounds.push({ kind: facet.name, value });
          break;
        case 'totalDigits':
          facets.totalDigits = Math.min(Number(value), facets.totalDigits ?? Infinity);
          break;
        case 'fractionDigits':
          facets.fractionDigits = Math.min(Number(value), facets.fractionDigits ?? Infinity);
          break;
        case 'whiteSpace':
          if (value === 'preserve' || value === 'replace' || value === 'collapse')
            whiteSpace = value;
          break;
      }
    }
    if (patterns.length > 0) {
      facets.patterns.push({ sources: patterns, regexes: patterns.map(compileXsdPattern) });
    }
    if (enumeration.length > 0) facets.enumerations.push(enumeration);
    return { ...base, kind: 'simple', label, whiteSpace, facets };
  }

  function complexType(
    node: DocumentNode,
    context: SchemaContext,
    label: string,
  ): ComplexTypeDefinition {
    return new ComplexTypeDefinition(label, () => complexParts(node, context, label));
  }

  function complexParts(node: DocumentNode, context: SchemaContext, label: string): ComplexParts {
    const isMixed = attributeOf(node, 'mixed') === 'true';
    const simpleContent = node.children.find((child) => isXsd(child, 'simpleContent'));
    const complexContent = node.children.find((child) => isXsd(child, 'complexContent'));
    const derivation = (simpleContent ?? complexContent)?.children.find(
      (child) => isXsd(child, 'extension') || isXsd(child, 'restriction'),
    );
    const own = attributesOf(derivation ?? node, context);
    if (!derivation) {
      const particle = particleOf(node, context);
      return {
        attributes: own.attributes,
        anyAttribute: own.anyAttribute,
        content: particle
          ? { kind: 'elements', particle, mixed: isMixed }
          : { kind: 'empty', mixed: isMixed },
      };
    }
    const baseName = attributeOf(derivation, 'base');
    if (baseName === undefined) throw new Error(`the ${derivation.name} in ${label} has no base`);
    const base = resolveType(qualifiedNameOf(derivation, baseName));
    const baseAttributes = base.kind === 'complex' ? base.attributes : [];
    const attributes = mergeAttributes(baseAttributes, own.attributes, own.prohibited);
    const anyAttribute =
      own.anyAttribute ||
      (base.kind === 'complex' && derivation.name === 'extension' && base.anyAttribute);
    if (simpleContent) {
      const baseContent =
        base.kind === 'simple'
          ? base
          : base.content.kind === 'simple'
            ? base.content.type
            : undefined;
      if (!baseContent)
        throw new Error(`${label} has simple content but its base ${baseName} has not`);
      const type =
        derivation.name === 'restriction'
          ? restrictedSimpleType(derivation, context, label, baseContent)
          : baseContent;
      return { attributes, anyAttribute, content: { kind: 'simple', type } };
    }
    const mixed = isMixed || attributeOf(complexContent!, 'mixed') === 'true';
    const ownParticle = particleOf(derivation, context);
    let particle = ownParticle;
    if (
      derivation.name === 'extension' &&
      base.kind === 'complex' &&
      base.content.kind === 'elements'
    ) {
      particle = ownParticle
        ? { kind: 'sequence', particles: [base.content.particle, ownParticle], min: 1, max: 1 }
        : base.content.particle;
    }
    return {
      attributes,
      anyAttribute,
      content: particle ? { kind: 'elements', particle, mixed } : { kind: 'empty', mixed },
    };
  }

  function attributesOf(
    node: DocumentNode,
    context: SchemaContext,
  ): { attributes: AttributeDeclaration[]; anyAttribute: boolean; prohibited: string[] } {
    const result = {
      attributes: [] as AttributeDeclaration[],
      anyAttribute: false,
      prohibited: [] as string[],
    };
    for (const child of node.children) {
      if (isXsd(child, 'anyAttribute')) result.anyAttribute = true;
      if (isXsd(child, 'attribute')) {
        if (attributeOf(child, 'use') === 'prohibited') {
          result.prohibited.push(attributeOf(child, 'name') ?? attributeOf(child, 'ref') ?? '');
          continue;
        }
        result.attributes.push(attributeDeclaration(child, context));
      }
      if (isXsd(child, 'attributeGroup')) {
        const ref = attributeOf(child, 'ref');
        if (ref === undefined) continue;
        const group = requireComponent('attributeGroup', qualifiedNameOf(child, ref));
        const inner = attributesOf(group.node, group.context);
        result.attributes.push(...inner.attributes);
        result.anyAttribute ||= inner.anyAttribute;
      }
    }
    return result;
  }

  function attributeDeclaration(node: DocumentNode, context: SchemaContext): AttributeDeclaration {
    const ref = attributeOf(node, 'ref');
    const required = attributeOf(node, 'use') === 'required';
    if (ref !== undefined) {
      const global = requireComponent('attribute', qualifiedNameOf(node, ref));
      return {
        ...attributeDeclaration(global.node, global.context),
        ns: global.context.targetNamespace,
        required,
      };
    }
    const name = attributeOf(node, 'name') ?? '';
    const form = attributeOf(node, 'form');
    const isQualified = form ? form === 'qualified' : context.isAttributeFormQualified;
    const typeName = attributeOf(node, 'type');
    const inline = node.children.find((child) => isXsd(child, 'simpleType'));
    const type =
      typeName !== undefined
        ? resolveSimpleType(qualifiedNameOf(node, typeName), `attribute ${name}`)
        : inline
          ? simpleType(inline, context, `the type of attribute ${name}`)
          : builtinSimpleType('anySimpleType')!;
    const fixed = attributeOf(node, 'fixed');
    return {
      name,
      ns: isQualified ? context.targetNamespace : '',
      required,
      type,
      ...(fixed === undefined ? {} : { fixed }),
    };
  }

  function particleOf(node: DocumentNode, context: SchemaContext): Particle | undefined {
    const group = node.children.find(
      (child) =>
        isXsd(child, 'sequence') ||
        isXsd(child, 'choice') ||
        isXsd(child, 'all') ||
        isXsd(child, 'group'),
    );
    return group && particle(group, context);
  }

  function particle(node: DocumentNode, context: SchemaContext): Particle | undefined {
    const min = Number(attributeOf(node, 'minOccurs') ?? '1');
    const maxText = attributeOf(node, 'maxOccurs') ?? '1';
    const max = maxText === 'unbounded' ? Infinity : Number(maxText);
    switch (node.name) {
      case 'element': {
        const ref = attributeOf(node, 'ref');
        if (ref !== undefined)
          return { kind: 'element', element: globalElement(qualifiedNameOf(node, ref)), min, max };
        const form = attributeOf(node, 'form');
        const isQualified = form ? form === 'qualified' : context.isElementFormQualified;
        const element = elementDeclaration(
          node,
          context,
          isQualified ? context.targetNamespace : '',
        );
        return { kind: 'element', element, min, max };
      }
      case 'sequence':
      case 'choice':
      case 'all': {
        const particles = node.children
          .filter((child) => child.ns === XSD_NAMESPACE)
          .map((child) => particle(child, context))
          .filter((inner): inner is Particle => inner !== undefined);
        return { kind: node.name, particles, min, max };
      }
      case 'group': {
        const ref = attributeOf(node, 'ref');
        if (ref === undefined) return undefined;
        const group = requireComponent('group', qualifiedNameOf(node, ref));
        const model = particleOf(group.node, group.context);
        return model && { ...model, min, max };
      }
      case 'any': {
        const namespaceText = attributeOf(node, 'namespace') ?? '##any';
        const namespaces =
          namespaceText === '##any' || namespaceText === '##other'
            ? namespaceText
            : namespaceText
                .split(/\s+/)
                .filter(Boolean)
                .map((ns) =>
                  ns === '##targetNamespace' ? context.targetNamespace : ns === '##local' ? '' : ns,
                );
        return {
          kind: 'any',
          wildcard: { namespaces, targetNamespace: context.targetNamespace },
          min,
          max,
        };
      }
      default:
        return undefined;
    }
  }

  return {
    element: (name) => (component('element', name) ? globalElement(name) : undefined),
    type: (name) =>
      name.ns === XSD_NAMESPACE || component('type', name) ? resolveType(name) : undefined,
    preferredPrefix: (ns) => preferredPrefixes.get(ns),
  };
}

function mergeAttributes(
  base: AttributeDeclaration[],
  own: AttributeDeclaration[],
  prohibited: string[],
): AttributeDeclaration[] {
  const isOverridden = (attribute: AttributeDeclaration): boolean =>
    prohibited.some((name) => name.replace(/^.*:/, '') === attribute.name) ||
    own.some((mine) => mine.name === attribute.name && mine.ns === attribute.ns);
  return [...base.filter((attribute) => !isOverridden(attribute)), ...own];
}

/**
 * Registers every global component of every schema under its QName. A schema without a
 * targetNamespace that another schema includes takes the includer's namespace (chameleon
 * include), once per including namespace.
 */
function indexSchemas(
  documents: ContractDocument[],
  components: Map<string, Component>,
  preferredPrefixes: Map<string, string>,
): void {
  const byName = new Map(documents.map((document) => [document.name, document]));
  const seen = new Set<string>();
  const pending: {
    schema: DocumentNode;
    document: ContractDocument;
    namespace: string | undefined;
  }[] = [];
  for (const document of documents) {
    for (const schema of schemasOf(document))
      pending.push({ schema, document, namespace: undefined });
  }
  while (pending.length > 0) {
    const { schema, document, namespace } = pending.shift()!;
    const targetNamespace = attributeOf(schema, 'targetNamespace') ?? namespace ?? '';
    const visitKey = `${document.file}#${schemasOf(document).indexOf(schema)}#${targetNamespace}`;
    if (seen.has(visitKey)) continue;
    seen.add(visitKey);
    const context: SchemaContext = {
      targetNamespace,
      isElementFormQualified: attributeOf(schema, 'elementFormDefault') === 'qualified',
      isAttributeFormQualified: attributeOf(schema, 'attributeFormDefault') === 'qualified',
    };
    for (const [prefix, ns] of schema.namespaces) {
      if (prefix !== '' && prefix !== 'xml' && !preferredPrefixes.has(ns))
        preferredPrefixes.set(ns, prefix);
    }
    for (const child of schema.children) {
      if (child.ns !== XSD_NAMESPACE) continue;
      const name = attributeOf(child, 'name');
      const kind = componentKindOf(child.name);
      if (kind && name !== undefined) {
        const key = `${kind}{${targetNamespace}}${name}`;
        if (!components.has(key)) components.set(key, { node: child, context });
      }
      if (child.name === 'include' || child.name === 'redefine') {
        const location = attributeOf(child, 'schemaLocation');
        const target = document.imports.find((entry) => entry.location === location);
        const included = target && byName.get(target.document);
        if (
          included &&
          targetNamespace !== '' &&
          attributeOf(included.root, 'targetNamespace') === undefined
        ) {
          pending.push({ schema: included.root, document: included, namespace: targetNamespace });
        }
      }
    }
  }
}

function componentKindOf(name: string): ComponentKind | undefined {
  if (name === 'element') return 'element';
  if (name === 'complexType' || name === 'simpleType') return 'type';
  if (name === 'group') return 'group';
  if (name === 'attributeGroup') return 'attributeGroup';
  if (name === 'attribute') return 'attribute';
  return undefined;
}
