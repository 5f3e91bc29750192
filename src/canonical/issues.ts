/**
 * Turns Ajv's errors into ValidationIssues a partner can act on: a JSON pointer to the field
 * (for a missing or unknown property, the property itself) and a sentence in domain words.
 */
import type { ErrorObject } from 'ajv/dist/2020';

export interface ValidationIssue {
  /** RFC 6901 JSON pointer to the failing field, e.g. '/lines/0/quantity'. */
  pointer: string;
  /** The JSON Schema keyword that failed, e.g. 'required', 'pattern', 'type'. */
  keyword: string;
  /** Human-readable and precise, e.g. 'must be a decimal string like "12.50"'. */
  message: string;
}

/** What a value of each titled string schema must look like, by the schema's title. */
const shapeByTitle: Readonly<Record<string, string>> = {
  Decimal: 'must be a decimal string like "12.50"',
  CurrencyCode: 'must be a 3-letter ISO 4217 currency code like "USD"',
  CountryCode: 'must be a 2-letter ISO 3166-1 country code like "US"',
  LanguageCode: 'must be a 2-letter ISO 639-1 language code like "en"',
  CalendarDate: 'must be a date like "2024-03-15"',
  TimeOfDay: 'must be a time like "14:30" or "14:30:00"',
  UtcOffset: 'must be a UTC offset like "Z" or "-05:00"',
  Timestamp: 'must be a date-time with an offset like "2024-03-15T09:30:00Z"',
  UnitOfMeasure: 'must be a unit of measure code like "EA" or "KGM"',
  Scac: 'must be a carrier SCAC of 2 to 4 capital letters like "UPSN"',
  Sscc18: 'must be an SSCC of exactly 18 digits',
  Iban: 'must be an IBAN without spaces like "DE89370400440532013000"',
  Bic: 'must be a BIC of 8 or 11 characters like "DEUTDEFF"',
  RoutingNumber: 'must be a 9-digit ABA routing number',
  AccountNumber: 'must be an account number of up to 34 digits, capital letters or hyphens',
  PurposeCode: 'must be a 4-character ISO 20022 purpose code like "SUPP"',
};

const shapeByFormat: Readonly<Record<string, string>> = {
  date: 'must be a date like "2024-03-15"',
  'date-time': 'must be a date-time with an offset like "2024-03-15T09:30:00Z"',
  uri: 'must be an absolute URI',
  'uri-reference': 'must be a URI reference',
  email: 'must be an email address',
};

const typeNames: Readonly<Record<string, string>> = {
  string: 'a string',
  object: 'an object',
  array: 'an array',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
};

/** RFC 6901: '~' and '/' inside a reference token are escaped. */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function titleOf(error: ErrorObject): string | undefined {
  const title: unknown = error.parentSchema?.title;
  return typeof title === 'string' ? title : undefined;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeType(error: ErrorObject): string {
  const shape = shapeByTitle[titleOf(error) ?? ''];
  if (shape) {
    return typeof error.data === 'number' ? `${shape}, not a JSON number` : shape;
  }
  const expected = String(error.params.type)
    .split(',')
    .map((type) => typeNames[type] ?? type);
  return `must be ${expected.join(' or ')}`;
}

function describeMessage(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known property here';
    case 'type':
      return describeType(error);
    case 'pattern':
      return (
        shapeByTitle[titleOf(error) ?? ''] ?? `must match the pattern ${String(params.pattern)}`
      );
    case 'format':
      return shapeByFormat[String(params.format)] ?? `must be a valid ${String(params.format)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must be at least ${plural(Number(params.limit), 'character')} long`;
    case 'maxLength':
      return `must be at most ${plural(Number(params.limit), 'character')} long`;
    case 'minItems':
      return `must have at least ${plural(Number(params.limit), 'item')}`;
    case 'maxItems':
      return `must have at most ${plural(Number(params.limit), 'item')}`;
    case 'minProperties':
      return params.limit === 1
        ? 'must not be empty'
        : `must have at least ${Number(params.limit)} properties`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/** Where the issue is: for a missing or unknown property, the property itself. */
function pointerOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return `${error.instancePath}/${escapePointerToken(String(params.missingProperty))}`;
  }
  if (error.keyword === 'additionalProperties') {
    return `${error.instancePath}/${escapePointerToken(String(params.additionalProperty))}`;
  }
  return error.instancePath;
}

export function describeError(error: ErrorObject): ValidationIssue {
  return { pointer: pointerOf(error), keyword: error.keyword, message: describeMessage(error) };
}

/** Keeps the first of each identical issue, in order. */
export function deduplicateIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.pointer}\u0000${issue.keyword}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Moves issues found on a value at `pointer` to where that value sits in the whole document. */
export function prefixIssues(
  pointer: string,
  issues: readonly ValidationIssue[],
): ValidationIssue[] {
  return issues.map((issue) => ({ ...issue, pointer: `${pointer}${issue.pointer}` }));
}
