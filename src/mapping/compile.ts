/**
 * Compiles a map's output template, once, into a tree of closures (template-nodes.ts). Running
 * a map is then a walk of that tree: no parsing, no lookups by name, no eval. Plain YAML in a template
 * is literal output; `$ ...` text is an expression; `$each`, `$from`, `$when`, `$use`,
 * `$value`, `$if`/`$then`/`$else`, `$required` and `$pairs` keys are directives (docs/maps.md).
 *
 * Absent values (no input, '' or an empty list or object) leave their key out of the output.
 */
import { buildCodeTables, type CodeTable } from './code-tables';
import { MapLoadError, pointerOf } from './errors';
import {
  ExpressionCompileError,
  type Evaluator,
  type ExpressionContext,
  type Test,
} from './evaluation';
import { ExpressionSyntaxError, parseCondition, parseExpression } from './expression-parser';
import { elementPairs } from './element-pairs';
import { compileParsedCondition, compileParsedExpression } from './expressions';
import { isPlainObject, mergeMapData, type Origins } from './merge';
import {
  ABSENT,
  eachNode,
  elementPairsNode,
  expressionItemsNode,
  expressionNode,
  fieldsNode,
  fromNode,
  ifNode,
  listNode,
  literalNode,
  requiredNode,
  whenNode,
  type TemplateNode,
} from './template-nodes';

export const DIRECTIVES = [
  '$each',
  '$from',
  '$when',
  '$use',
  '$value',
  '$if',
  '$then',
  '$else',
  '$required',
  '$replace',
  '$pairs',
] as const;

/** Where a template sits: in which file and where in it, and where its value goes in the output. */
interface Site {
  file: string;
  /** Path in the map file (`output`, `lines`, `quantity`). */
  source: string[];
  /** Path in the output, `*` standing for a list item. */
  output: string[];
  /** Named templates being expanded, outermost first (to report and to stop cycles). */
  using: string[];
  origins: Origins;
}

interface CompileContext extends ExpressionContext {
  templates: Record<string, unknown>;
  templatesFile: (name: string) => string;
  origins: Origins;
}

function loadError(site: Site, reason: string): MapLoadError {
  const via = site.using.length ? ` (in template ${site.using.join(' → ')})` : '';
  return new MapLoadError(site.file, pointerOf(site.source), `${reason}${via}`);
}

function child(site: Site, parent: object, key: string, outputKey?: string): Site {
  return {
    file: siteFile(site, parent, key),
    source: [...site.source, key],
    output: outputKey === undefined ? site.output : [...site.output, outputKey],
    using: site.using,
    origins: site.origins,
  };
}

function siteFile(site: Site, parent: object, key: string): string {
  return site.origins.fileOf(parent, key) ?? site.file;
}

// ---- expressions -------------------------------------------------------------------------

function compileExpressionText(text: string, site: Site, context: CompileContext): Evaluator {
  try {
    return compileParsedExpression(text, parseExpression(text), context);
  } catch (error) {
    throw expressionError(error, text, site);
  }
}

function compileConditionText(text: string, site: Site, context: CompileContext): Test {
  try {
    return compileParsedCondition(parseCondition(text), context);
  } catch (error) {
    throw expressionError(error, text, site);
  }
}

function expressionError(error: unknown, text: string, site: Site): unknown {
  if (error instanceof ExpressionSyntaxError || error instanceof ExpressionCompileError) {
    return loadError(site, `in "${text}": ${error.message}`);
  }
  return error;
}

// ---- templates ---------------------------------------------------------------------------

function compileTemplate(template: unknown, site: Site, context: CompileContext): TemplateNode {
  if (template === null || template === undefined) return ABSENT;
  if (typeof template === 'string') return compileText(template, site, context);
  if (Array.isArray(template)) return compileList(template, site, context);
  if (isPlainObject(template)) return compileObject(template, site, context);
  throw loadError(site, `a template is text, a list or a mapping, not ${typeof template}`);
}

function compileText(text: string, site: Site, context: CompileContext): TemplateNode {
  if (text.startsWith('$$')) return literalNode(text.slice(1));
  if (!text.startsWith('$')) return text === '' ? ABSENT : literalNode(text);
  const source = text.slice(1).trim();
  if (!source) throw loadError(site, 'an expression after "$" is missing');
  return expressionNode(compileExpressionText(source, site, context), site.output);
}

function compileList(items: unknown[], site: Site, context: CompileContext): TemplateNode {
  const nodes = items.map((item, index) => {
    const itemSite = {
      ...site,
      source: [...site.source, String(index)],
      output: [...site.output, '*'],
    };
    if (typeof item === 'string' && item.startsWith('$') && !item.startsWith('$$')) {
      const evaluator = compileExpressionText(item.slice(1).trim(), itemSite, context);
      // `| list` keeps its values together as one nested list.
      return evaluator.yieldsList
        ? expressionNode(evaluator, itemSite.output)
        : expressionItemsNode(evaluator, itemSite.output);
    }
    if (isPlainObject(item) && '$each' in item) {
      return compileTemplate(item, { ...itemSite, output: site.output }, context);
    }
    return compileTemplate(item, itemSite, context);
  });
  return listNode(nodes);
}

function isDirective(key: string): boolean {
  return key.startsWith('$') && !key.startsWith('$$');
}

function compileObject(
  template: Record<string, unknown>,
  site: Site,
  context: CompileContext,
): TemplateNode {
  const keys = Object.keys(template);
  for (const key of keys) {
    if (isDirective(key) && !(DIRECTIVES as readonly string[]).includes(key)) {
      throw loadError(
        child(site, template, key),
        `unknown directive "${key}" (directives: ${DIRECTIVES.join(', ')}); write $${key} for a literal key`,
      );
    }
  }
  if (typeof template.$use === 'string') return compileUse(template, site, context);
  const fields = keys.filter((key) => !isDirective(key));
  const has = (key: string) => template[key] !== undefined && template[key] !== null;
  const text = (key: string): string => {
    const value = template[key];
    if (typeof value !== 'string' || !value.trim()) {
      throw loadError(child(site, template, key), `${key} needs an expression`);
    }
    return value.trim().replace(/^\$\s*/, '');
  };
  if ((has('$then') || has('$else')) && !has('$if')) {
    throw loadError(site, '$then and $else go with an $if');
  }
  if (has('$each') && has('$from')) throw loadError(site, 'use $each or $from, not both');
  if (has('$value') && has('$if')) throw loadError(site, 'use $value or $if, not both');
  if (has('$pairs') && (has('$value') || has('$if'))) {
    throw loadError(
      child(site, template, '$pairs'),
      `$pairs adds elements to a segment's mapping; it does not go with ${has('$value') ? '$value' : '$if'}`,
    );
  }
  if ((has('$value') || has('$if')) && fields.length) {
    throw loadError(
      child(site, template, fields[0]!),
      `a mapping with ${has('$value') ? '$value' : '$if'} has no other output keys; move "${fields[0]}" into it`,
    );
  }

  const isEach = has('$each');
  const bodyOutput = isEach ? [...site.output, '*'] : site.output;
  let body: TemplateNode;
  let splices = false;
  if (has('$value')) {
    const value = template.$value;
    splices = isEach && isPlainObject(value) && '$each' in value;
    body = compileTemplate(
      value,
      { ...child(site, template, '$value'), output: splices ? site.output : bodyOutput },
      context,
    );
  } else if (has('$if')) {
    const condition = compileConditionText(text('$if'), child(site, template, '$if'), context);
    const then = compileTemplate(
      template.$then,
      { ...child(site, template, '$then'), output: bodyOutput },
      context,
    );
    const otherwise = compileTemplate(
      template.$else,
      { ...child(site, template, '$else'), output: bodyOutput },
      context,
    );
    body = ifNode(condition, then, otherwise, bodyOutput);
  } else {
    const outputKeys = fields.map((key) => (key.startsWith('$$') ? key.slice(1) : key));
    body = fieldsNode(
      outputKeys,
      fields.map((key, index) =>
        compileTemplate(
          template[key],
          { ...child(site, template, key), output: [...bodyOutput, outputKeys[index]!] },
          context,
        ),
      ),
    );
    if (has('$pairs')) {
      const pairsSite = { ...child(site, template, '$pairs'), output: bodyOutput };
      body = compilePairs(template.$pairs, body, outputKeys, pairsSite, context);
    }
  }
  const guard = has('$when')
    ? compileConditionText(text('$when'), child(site, template, '$when'), context)
    : undefined;

  let node: TemplateNode;
  if (isEach) {
    const items = compileExpressionText(text('$each'), child(site, template, '$each'), context);
    node = eachNode(items, guard, body, site.output);
  } else if (has('$from')) {
    const item = compileExpressionText(text('$from'), child(site, template, '$from'), context);
    node = fromNode(item, guard, body, site.output);
  } else {
    node = guard ? whenNode(guard, body, site.output) : body;
  }
  const required = template.$required;
  if (required !== undefined && required !== null && required !== 'true' && required !== 'false') {
    throw loadError(child(site, template, '$required'), '$required is true or false');
  }
  return required === 'true' ? requiredNode(node, site.output) : node;
}

const PAIRS_KEYS = ['$each', '$when', '$replace', 'elements', 'qualifier', 'value'];

/**
 * `$pairs` in a segment's mapping: `$each` item's `qualifier` and `value` go into the pairs of
 * `elements` (`LIN02 LIN31`: LIN02/LIN03, LIN04/LIN05, ...), the reverse of `| pairs`.
 */
function compilePairs(
  spec: unknown,
  fields: TemplateNode,
  fieldKeys: string[],
  site: Site,
  context: CompileContext,
): TemplateNode {
  const usage = '$pairs is a mapping of $each, elements (e.g. LIN02 LIN31), qualifier and value';
  if (!isPlainObject(spec)) throw loadError(site, usage);
  const extra = Object.keys(spec).find((key) => !PAIRS_KEYS.includes(key));
  if (extra) throw loadError(child(site, spec, extra), `is not a key of $pairs (${usage})`);
  const text = (key: string): string => {
    const value = spec[key];
    if (typeof value !== 'string' || !value.trim()) {
      throw loadError(child(site, spec, key), `$pairs needs ${key} (${usage})`);
    }
    return value.trim();
  };
  const elements = text('elements').split(/\s+/);
  const pairs = elements.length === 2 ? elementPairs(elements[0]!, elements[1]!) : undefined;
  if (!pairs) {
    throw loadError(
      child(site, spec, 'elements'),
      'elements names the first and last element of the pairs, of one segment and spanning whole pairs, like LIN02 LIN31',
    );
  }
  const clash = fieldKeys.find((key) => pairs.some((pair) => pair.includes(key)));
  if (clash) {
    throw loadError(
      child(site, spec, 'elements'),
      `${clash} is written by the mapping and by $pairs; leave it to one of them`,
    );
  }
  const expression = (key: string) => text(key).replace(/^\$\s*/, '');
  const itemOutput = [...site.output, '*'];
  return elementPairsNode(
    fields,
    {
      items: compileExpressionText(expression('$each'), child(site, spec, '$each'), context),
      guard:
        spec.$when === undefined || spec.$when === null
          ? undefined
          : compileConditionText(expression('$when'), child(site, spec, '$when'), context),
      pairs,
      elements: elements.join(' '),
      qualifier: compileTemplate(
        spec.qualifier,
        { ...child(site, spec, 'qualifier'), output: itemOutput },
        context,
      ),
      value: compileTemplate(
        spec.value,
        { ...child(site, spec, 'value'), output: itemOutput },
        context,
      ),
    },
    site.output,
  );
}

/** `$use: party` puts the named template here, the keys beside `$use` laid over it. */
function compileUse(
  template: Record<string, unknown>,
  site: Site,
  context: CompileContext,
): TemplateNode {
  const name = template.$use as string;
  const definition = Object.hasOwn(context.templates, name) ? context.templates[name] : undefined;
  if (definition === undefined || definition === null) {
    const known = Object.keys(context.templates).join(', ') || 'none';
    throw loadError(
      child(site, template, '$use'),
      `unknown template "${name}" (templates: ${known})`,
    );
  }
  if (site.using.includes(name)) {
    throw loadError(site, `template "${name}" uses itself: ${[...site.using, name].join(' → ')}`);
  }
  const inner: Site = { ...site, using: [...site.using, name] };
  if (!isPlainObject(definition)) {
    // A list or text template is used as it is; keys beside $use would have nothing to merge into.
    const extra = Object.keys(template).find((key) => key !== '$use');
    if (extra) {
      throw loadError(
        child(site, template, extra),
        `template "${name}" is not a mapping, so $use: ${name} takes no other keys`,
      );
    }
    return compileTemplate(definition, { ...inner, file: context.templatesFile(name) }, context);
  }
  const { $use: _name, ...local } = template;
  const merged = mergeMapData(
    definition,
    context.templatesFile(name),
    local,
    site.file,
    context.origins,
  );
  return compileObject(merged as Record<string, unknown>, inner, context);
}

// ---- code tables and the whole map -------------------------------------------------------

function compileCodeTables(codes: unknown, site: Site): Map<string, CodeTable> {
  if (!isPlainObject(codes)) return new Map();
  return buildCodeTables(codes, (name, reason) => {
    throw loadError(child(site, codes, name), reason);
  });
}

export interface CompiledTemplate {
  root: TemplateNode;
}

/** Compiles a whole (merged) map document; `file` is where keys without an origin come from. */
export function compileMapDocument(
  document: Record<string, unknown>,
  file: string,
  origins: Origins,
): CompiledTemplate {
  const site: Site = { file, source: [], output: [], using: [], origins };
  const codes = compileCodeTables(document.codes, child(site, document, 'codes'));
  const templates = isPlainObject(document.templates) ? document.templates : {};
  const templatesSite = child(site, document, 'templates');
  const context: CompileContext = {
    codes,
    templates,
    templatesFile: (name) => siteFile(templatesSite, templates, name),
    origins,
  };
  // Every named template is compiled once on its own too, so a mistake in one not (yet) used
  // still stops start-up.
  for (const name of Object.keys(templates)) {
    compileTemplate(
      { $use: name },
      { ...templatesSite, source: [...templatesSite.source, name] },
      context,
    );
  }
  if (document.output === undefined || document.output === null) {
    throw loadError(site, 'the map has no output template (and extends none that has)');
  }
  const root = compileTemplate(document.output, child(site, document, 'output'), context);
  return { root };
}
