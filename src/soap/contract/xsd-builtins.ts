/**
 * The built-in simple types of XML Schema 1.0 part 2: how each one's whitespace is normalised,
 * what its lexical space is, and, for the integer family, its exact range (BigInt, so a
 * 20-digit xsd:unsignedLong is checked as written, not as a rounded double).
 */
import { parseDecimal } from './decimal';

export type WhiteSpace = 'preserve' | 'replace' | 'collapse';

export type Primitive =
  | 'anySimpleType'
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'float'
  | 'double'
  | 'duration'
  | 'dateTime'
  | 'time'
  | 'date'
  | 'gYearMonth'
  | 'gYear'
  | 'gMonthDay'
  | 'gDay'
  | 'gMonth'
  | 'hexBinary'
  | 'base64Binary'
  | 'anyURI'
  | 'QName'
  | 'NOTATION';

export interface BuiltinType {
  name: string;
  primitive: Primitive;
  whiteSpace: WhiteSpace;
  /** Integer types: inclusive bounds, undefined where unbounded. */
  integerRange?: { min?: bigint; max?: bigint };
  /** A further lexical rule of a derived string type (NCName, language, ...). */
  lexical?: RegExp;
  /** NMTOKENS, IDREFS, ENTITIES: whitespace-separated lists of the item lexical rule. */
  isList?: boolean;
}

const NAME_START = '[\\p{L}_:]';
const NAME_CHAR = '[\\p{L}\\p{M}\\p{N}._:\\-\\u00B7]';
const NCNAME = '[\\p{L}_][\\p{L}\\p{M}\\p{N}._\\-\\u00B7]*';

function integer(name: string, min?: string, max?: string): BuiltinType {
  return {
    name,
    primitive: 'decimal',
    whiteSpace: 'collapse',
    integerRange: {
      ...(min === undefined ? {} : { min: BigInt(min) }),
      ...(max === undefined ? {} : { max: BigInt(max) }),
    },
  };
}

function derivedString(
  name: string,
  whiteSpace: WhiteSpace,
  lexical?: string,
  isList = false,
): BuiltinType {
  return {
    name,
    primitive: 'string',
    whiteSpace,
    ...(lexical === undefined ? {} : { lexical: new RegExp(`^(?:${lexical})$`, 'u') }),
    ...(isList ? { isList } : {}),
  };
}

const PRIMITIVES: Primitive[] = [
  'anySimpleType',
  'string',
  'boolean',
  'decimal',
  'float',
  'double',
  'duration',
  'dateTime',
  'time',
  'date',
  'gYearMonth',
  'gYear',
  'gMonthDay',
  'gDay',
  'gMonth',
  'hexBinary',
  'base64Binary',
  'anyURI',
  'QName',
  'NOTATION',
];

export const BUILTIN_TYPES: ReadonlyMap<string, BuiltinType> = new Map(
  [
    ...PRIMITIVES.map((primitive): BuiltinType => ({
      name: primitive,
      primitive,
      whiteSpace: primitive === 'string' || primitive === 'anySimpleType' ? 'preserve' : 'collapse',
    })),
    derivedString('normalizedString', 'replace'),
    derivedString('token', 'collapse'),
    derivedString('language', 'collapse', '[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*'),
    derivedString('Name', 'collapse', `${NAME_START}${NAME_CHAR}*`),
    derivedString('NCName', 'collapse', NCNAME),
    derivedString('ID', 'collapse', NCNAME),
    derivedString('IDREF', 'collapse', NCNAME),
    derivedString('ENTITY', 'collapse', NCNAME),
    derivedString('NMTOKEN', 'collapse', `${NAME_CHAR}+`),
    derivedString('NMTOKENS', 'collapse', `${NAME_CHAR}+`, true),
    derivedString('IDREFS', 'collapse', NCNAME, true),
    derivedString('ENTITIES', 'collapse', NCNAME, true),
    integer('integer'),
    integer('nonPositiveInteger', undefined, '0'),
    integer('negativeInteger', undefined, '-1'),
    integer('nonNegativeInteger', '0'),
    integer('positiveInteger', '1'),
    integer('long', '-9223372036854775808', '9223372036854775807'),
    integer('int', '-2147483648', '2147483647'),
    integer('short', '-32768', '32767'),
    integer('byte', '-128', '127'),
    integer('unsignedLong', '0', '18446744073709551615'),
    integer('unsignedInt', '0', '4294967295'),
    integer('unsignedShort', '0', '65535'),
    integer('unsignedByte', '0', '255'),
  ].map((type) => [type.name, type]),
);

export function normalizeWhiteSpace(value: string, whiteSpace: WhiteSpace): string {
  if (whiteSpace === 'preserve') return value;
  const replaced = value.replace(/[\t\n\r]/g, ' ');
  return whiteSpace === 'replace' ? replaced : replaced.replace(/ +/g, ' ').trim();
}

const TIMEZONE = '(Z|[+-](?:(?:0\\d|1[0-3]):[0-5]\\d|14:00))?';
const YEAR = '-?(?:[1-9]\\d{4,}|\\d{4})';
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?|24:00:00(?:\\.0+)?';
const LEXICAL: Partial<Record<Primitive, RegExp>> = {
  boolean: /^(?:true|false|1|0)$/,
  decimal: /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/,
  float: /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NaN)$/,
  double: /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NaN)$/,
  duration:
    /^-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/,
  dateTime: new RegExp(`^(${YEAR})-(\\d\\d)-(\\d\\d)T(?:${TIME})${TIMEZONE}$`),
  date: new RegExp(`^(${YEAR})-(\\d\\d)-(\\d\\d)${TIMEZONE}$`),
  time: new RegExp(`^(?:${TIME})${TIMEZONE}$`),
  gYearMonth: new RegExp(`^${YEAR}-(?:0[1-9]|1[0-2])${TIMEZONE}$`),
  gYear: new RegExp(`^${YEAR}${TIMEZONE}$`),
  gMonthDay: new RegExp(`^--(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])${TIMEZONE}$`),
  gDay: new RegExp(`^---(?:0[1-9]|[12]\\d|3[01])${TIMEZONE}$`),
  gMonth: new RegExp(`^--(?:0[1-9]|1[0-2])${TIMEZONE}$`),
  hexBinary: /^(?:[0-9a-fA-F]{2})*$/,
  QName: new RegExp(`^(?:${NCNAME}:)?${NCNAME}$`, 'u'),
  NOTATION: new RegExp(`^(?:${NCNAME}:)?${NCNAME}$`, 'u'),
};

/** Why a (whitespace-normalised) value is not in the type's lexical space, or undefined. */
// Hot path (every value of every request): the message is only built for a refusal.
function invalidValue(type: BuiltinType, value: string): string {
  return `${JSON.stringify(value)} is not a valid xsd:${type.name}`;
}

export function lexicalProblem(type: BuiltinType, value: string): string | undefined {
  const rule = LEXICAL[type.primitive];
  if (rule) {
    const match = rule.exec(value);
    if (!match) return invalidValue(type, value);
    if ((type.primitive === 'date' || type.primitive === 'dateTime') && !isRealDay(match)) {
      return `${JSON.stringify(value)} is not a valid xsd:${type.name} (no such day)`;
    }
  }
  if (type.primitive === 'base64Binary' && !isBase64(value)) return invalidValue(type, value);
  if (type.primitive === 'anyURI' && /[\s<>"{}|\\^`]/.test(value.replace(/ /g, '%20')))
    return invalidValue(type, value);
  if (type.integerRange) {
    if (!/^[+-]?\d+$/.test(value)) return invalidValue(type, value);
    const number = BigInt(value);
    const { min, max } = type.integerRange;
    if (min !== undefined && number < min)
      return `${value} is out of range for xsd:${type.name} (minimum ${min})`;
    if (max !== undefined && number > max)
      return `${value} is out of range for xsd:${type.name} (maximum ${max})`;
  }
  if (type.lexical) {
    const items = type.isList ? value.split(' ') : [value];
    if (value === '' || !items.every((item) => type.lexical?.test(item)))
      return invalidValue(type, value);
  }
  return undefined;
}

function isRealDay(match: RegExpExecArray): boolean {
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const isLeap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  return day <= days;
}

function isBase64(value: string): boolean {
  const compact = value.replace(/ /g, '');
  return (
    compact.length % 4 === 0 &&
    /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)
  );
}

/** The length the length facets measure: characters, octets or list items. */
export function lengthOf(type: BuiltinType, value: string, isList: boolean): number {
  if (isList || type.isList) return value === '' ? 0 : value.split(' ').length;
  if (type.primitive === 'hexBinary') return value.length / 2;
  if (type.primitive === 'base64Binary') {
    const compact = value.replace(/ /g, '');
    return (compact.length / 4) * 3 - (compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0);
  }
  return [...value].length;
}

export type Comparable =
  | { kind: 'decimal'; value: NonNullable<ReturnType<typeof parseDecimal>> }
  | { kind: 'number'; value: number };

/** A value in a form the range facets can compare, or undefined for types they do not order. */
export function comparableOf(type: BuiltinType, value: string): Comparable | undefined {
  switch (type.primitive) {
    case 'decimal': {
      const decimal = parseDecimal(value);
      return decimal ? { kind: 'decimal', value: decimal } : undefined;
    }
    case 'float':
    case 'double':
      return {
        kind: 'number',
        value: value === 'INF' ? Infinity : value === '-INF' ? -Infinity : Number(value),
      };
    case 'dateTime':
    case 'date': {
      // Values without a timezone are compared as UTC: an approximation of XSD's partial order.
      const iso =
        type.primitive === 'date' ? value.replace(/^(-?\d+-\d\d-\d\d)/, '$1T00:00:00') : value;
      const timestamp = Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(iso) ? iso : `${iso}Z`);
      return Number.isNaN(timestamp) ? undefined : { kind: 'number', value: timestamp };
    }
    default:
      return undefined;
  }
}
