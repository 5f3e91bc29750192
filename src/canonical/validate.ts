/**
 * Validates canonical documents and events against the canonical JSON Schemas.
 *
 * One Ajv instance holds every schema; each is compiled the first time it is needed and then
 * reused. Ajv's errors become ValidationIssues (see issues.ts); a failed `oneOf` is explained by
 * the one branch the value was evidently meant to match, or by one sentence naming the choices,
 * instead of every error of every branch.
 */
import Ajv2020, {
  type AnySchemaObject,
  type ErrorObject,
  type ValidateFunction,
} from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { documentByEventType, documentByKind, documentKinds, type DocumentKind } from './documents';
import {
  deduplicateIssues,
  describeError,
  escapePointerToken,
  prefixIssues,
  type ValidationIssue,
} from './issues';
import { cloudEventSchemaId, schemaList, type CanonicalSchema } from './schemas';

export type { ValidationIssue } from './issues';
export { canonicalSchemas } from './schemas';

interface Compiler {
  ajv: Ajv2020;
  /** The absolute URI (`$id#pointer`) of every schema object, to re-validate a oneOf's branches. */
  uriOfSchema: WeakMap<object, string>;
}

let compiler: Compiler | undefined;

function indexSchemaUris(schema: CanonicalSchema, uriOfSchema: WeakMap<object, string>): void {
  const visit = (node: unknown, pointer: string): void => {
    if (typeof node !== 'object' || node === null) return;
    if (!Array.isArray(node)) uriOfSchema.set(node, `${schema.$id}#${pointer}`);
    for (const [key, child] of Object.entries(node)) {
      if (key !== 'enum' && key !== 'const') visit(child, `${pointer}/${escapePointerToken(key)}`);
    }
  };
  visit(schema, '');
}

function getCompiler(): Compiler {
  if (!compiler) {
    // verbose: errors carry the failing schema and value, which the messages are built from.
    const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
    addFormats(ajv);
    const uriOfSchema = new WeakMap<object, string>();
    for (const schema of schemaList) {
      ajv.addSchema(schema);
      indexSchemaUris(schema, uriOfSchema);
    }
    compiler = { ajv, uriOfSchema };
  }
  return compiler;
}

function validatorFor(schemaUri: string): ValidateFunction {
  const validate = getCompiler().ajv.getSchema(schemaUri);
  if (!validate) throw new Error(`no canonical schema at ${schemaUri}`);
  return validate;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateAgainst(schemaUri: string, data: unknown): ValidationIssue[] {
  const validate = validatorFor(schemaUri);
  if (validate(data)) return [];
  return deduplicateIssues(explainErrors([...(validate.errors ?? [])]));
}

function isWithin(error: ErrorObject, failure: ErrorObject): boolean {
  const path = failure.instancePath;
  return error.instancePath === path || error.instancePath.startsWith(`${path}/`);
}

/** An error raised while trying the branches of a failed oneOf, not by the oneOf's own schema. */
function isBranchError(error: ErrorObject, oneOfFailures: readonly ErrorObject[]): boolean {
  return oneOfFailures.some(
    (failure) =>
      failure !== error && error.parentSchema !== failure.parentSchema && isWithin(error, failure),
  );
}

function explainErrors(errors: readonly ErrorObject[]): ValidationIssue[] {
  const oneOfFailures = errors.filter((error) => error.keyword === 'oneOf');
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    if (isBranchError(error, oneOfFailures)) continue;
    // `if` only says "must match then"; the errors of `then` say why.
    if (error.keyword === 'if') continue;
    if (error.keyword === 'oneOf') issues.push(...explainOneOf(error, errors));
    else issues.push(describeError(error));
  }
  return issues;
}

/** "IbanAccount {iban, bic?}": a branch's name and the properties it takes. */
function describeBranch(branch: AnySchemaObject, baseUri: string | undefined): string {
  let schema = branch;
  if (typeof branch.$ref === 'string' && baseUri) {
    const target = getCompiler().ajv.getSchema(new URL(branch.$ref, baseUri).href)?.schema;
    if (isPlainObject(target)) schema = target;
  }
  const title = typeof schema.title === 'string' ? schema.title : 'a schema';
  if (!isPlainObject(schema.properties)) return title;
  const required = new Set<unknown>(Array.isArray(schema.required) ? schema.required : []);
  const names = Object.keys(schema.properties).map((name) =>
    required.has(name) ? name : `${name}?`,
  );
  return `${title} {${names.join(', ')}}`;
}

/** Whether the value has a property of its own that the schema it was checked against lacks. */
function hasUnknownTopLevelProperty(issues: readonly ValidationIssue[]): boolean {
  return issues.some(
    (issue) => issue.keyword === 'additionalProperties' && issue.pointer.lastIndexOf('/') === 0,
  );
}

function explainOneOf(failure: ErrorObject, errors: readonly ErrorObject[]): ValidationIssue[] {
  const hasWrongType = errors.some(
    (error) => error.keyword === 'type' && error.parentSchema === failure.parentSchema,
  );
  if (hasWrongType) return [];
  const { uriOfSchema } = getCompiler();
  const baseUri = failure.parentSchema ? uriOfSchema.get(failure.parentSchema) : undefined;
  const branches: AnySchemaObject[] = Array.isArray(failure.schema) ? failure.schema : [];
  const choices = branches.map((branch) => describeBranch(branch, baseUri)).join(' or ');
  const pointer = failure.instancePath;
  const passing: unknown = (failure.params as Record<string, unknown>).passingSchemas;
  if (Array.isArray(passing)) {
    return [
      { pointer, keyword: 'oneOf', message: `must match only one of ${choices}, not several` },
    ];
  }
  // A branch claims a non-empty object when it knows every property the object has.
  if (baseUri && isPlainObject(failure.data) && Object.keys(failure.data).length > 0) {
    const claims = branches
      .map((_, index) => validateAgainst(`${baseUri}/oneOf/${index}`, failure.data))
      .filter((issues) => !hasUnknownTopLevelProperty(issues));
    const [claim] = claims;
    if (claim && claims.length === 1) return prefixIssues(pointer, claim);
  }
  return [{ pointer, keyword: 'oneOf', message: `must be exactly one of ${choices}` }];
}

/** Checks a business document against its kind's schema; [] when it conforms. */
export function validateDocument(kind: DocumentKind, data: unknown): ValidationIssue[] {
  return validateAgainst(documentByKind(kind).schemaId, data);
}

/**
 * Checks a canonical event: the CloudEvents envelope, that its type is a canonical document's
 * event type with the matching dataschema, and its data against that document's schema.
 */
export function validateEvent(event: unknown): ValidationIssue[] {
  const issues = validateAgainst(cloudEventSchemaId, event);
  if (!isPlainObject(event) || typeof event.type !== 'string') return issues;
  const descriptor = documentByEventType(event.type);
  if (!descriptor) {
    const known = documentKinds.map((kind) => JSON.stringify(kind.eventType)).join(', ');
    issues.push({ pointer: '/type', keyword: 'enum', message: `must be one of ${known}` });
    return issues;
  }
  if (typeof event.dataschema === 'string' && event.dataschema !== descriptor.schemaId) {
    issues.push({
      pointer: '/dataschema',
      keyword: 'const',
      message: `must be "${descriptor.schemaId}" for ${descriptor.eventType} events`,
    });
  }
  if (isPlainObject(event.data)) {
    issues.push(...prefixIssues('/data', validateAgainst(descriptor.schemaId, event.data)));
  }
  return issues;
}
