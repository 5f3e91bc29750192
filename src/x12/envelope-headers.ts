/**
 * Reads and checks the ISA and GS headers (X12.5 interchange control structures, X12.6 group
 * structure). The checks produce the TA105 note codes a TA1 reports; they run once per
 * interchange or group, so clarity wins over speed here.
 */
import type { Delimiters, FunctionalGroupHeader, InterchangeHeader, Segment } from './model';

/** One reason an interchange is in error, as a TA1 would report it. */
export interface Ta1Error {
  /** TA105 interchange note code, e.g. `001`, `023`. */
  code: string;
  message: string;
}

/** ISA01 codes (I01): no authorization information, or one of the defined kinds. */
const AUTHORIZATION_QUALIFIERS = new Set(['00', '01', '02', '03', '04', '05', '06']);
/** ISA03 codes (I03): no security information, or a password. */
const SECURITY_QUALIFIERS = new Set(['00', '01']);

/** Reads an ISA segment as sent, with every field error it holds. */
export function readInterchangeHeader(
  isa: Segment,
  delimiters: Delimiters,
): { header: InterchangeHeader; errors: Ta1Error[] } {
  const e = (position: number): string => isa.elements[position - 1] ?? '';
  const header: InterchangeHeader = {
    authorizationQualifier: e(1),
    authorization: e(2),
    securityQualifier: e(3),
    security: e(4),
    senderQualifier: e(5),
    senderId: e(6).trimEnd(),
    receiverQualifier: e(7),
    receiverId: e(8).trimEnd(),
    date: e(9),
    time: e(10),
    repetitionOrStandardsId: e(11),
    version: e(12),
    controlNumber: e(13),
    ackRequested: e(14),
    usage: e(15),
    delimiters,
    offset: isa.offset,
  };

  const errors: Ta1Error[] = [];
  const check = (isValid: boolean, code: string, message: string): void => {
    if (!isValid) errors.push({ code, message });
  };
  check(isa.elements.length === 16, '022', `ISA has ${isa.elements.length} elements, 16 expected`);
  check(
    AUTHORIZATION_QUALIFIERS.has(e(1)),
    '010',
    `invalid authorization information qualifier ISA01 '${e(1)}'`,
  );
  check(e(2).length === 10, '011', `ISA02 must be 10 characters, not ${e(2).length}`);
  check(
    SECURITY_QUALIFIERS.has(e(3)),
    '012',
    `invalid security information qualifier ISA03 '${e(3)}'`,
  );
  check(e(4).length === 10, '013', `ISA04 must be 10 characters, not ${e(4).length}`);
  check(isQualifier(e(5)), '005', `invalid sender id qualifier ISA05 '${e(5)}'`);
  check(isPartyId(e(6)), '006', `invalid sender id ISA06 '${e(6)}' (15 characters, not blank)`);
  check(isQualifier(e(7)), '007', `invalid receiver id qualifier ISA07 '${e(7)}'`);
  check(isPartyId(e(8)), '008', `invalid receiver id ISA08 '${e(8)}' (15 characters, not blank)`);
  check(isValidDate(e(9)), '014', `invalid interchange date ISA09 '${e(9)}' (YYMMDD)`);
  check(isValidTime(e(10)), '015', `invalid interchange time ISA10 '${e(10)}' (HHMM)`);
  const usesRepetition = isDigits(e(12), 5) && e(12) >= '00402';
  check(
    usesRepetition ? e(11) === delimiters.repetition : e(11) === 'U',
    '016',
    usesRepetition
      ? `ISA11 '${e(11)}' is not a usable repetition separator (version ${e(12)})`
      : `ISA11 must be the standards identifier 'U' before version 00402, not '${e(11)}'`,
  );
  check(isDigits(e(12), 5), '017', `invalid interchange version ISA12 '${e(12)}'`);
  check(
    isDigits(e(13), 9),
    '018',
    `invalid interchange control number ISA13 '${e(13)}' (9 digits)`,
  );
  check(e(14) === '0' || e(14) === '1', '019', `invalid acknowledgment requested ISA14 '${e(14)}'`);
  check(
    e(15) === 'P' || e(15) === 'T' || e(15) === 'I',
    '020',
    `invalid usage indicator ISA15 '${e(15)}'`,
  );
  return { header, errors };
}

/**
 * Reads a GS segment. `groupErrors` are AK905 codes (6: GS06 violates syntax); `interchangeErrors`
 * are TA1 codes (024: the GS is unusable).
 */
export function readGroupHeader(gs: Segment): {
  header: FunctionalGroupHeader;
  groupErrors: string[];
  interchangeErrors: Ta1Error[];
} {
  const e = (position: number): string => gs.elements[position - 1] ?? '';
  const header: FunctionalGroupHeader = {
    functionalId: e(1),
    applicationSender: e(2),
    applicationReceiver: e(3),
    date: e(4),
    time: e(5),
    controlNumber: e(6),
    agency: e(7),
    version: e(8),
    offset: gs.offset,
  };
  const groupErrors: string[] = [];
  const controlNumber = e(6);
  if (
    controlNumber.length === 0 ||
    !isDigits(controlNumber, controlNumber.length) ||
    controlNumber.length > 9
  ) {
    groupErrors.push('6');
  }
  const interchangeErrors: Ta1Error[] = [];
  if (gs.elements.length < 8 || e(1) === '' || e(6) === '' || e(8) === '') {
    interchangeErrors.push({
      code: '024',
      message: `invalid GS segment at byte ${gs.offset}: GS01, GS06 and GS08 are required`,
    });
  }
  return { header, groupErrors, interchangeErrors };
}

function isQualifier(value: string): boolean {
  return value.length === 2 && isUpperAlphanumeric(value);
}

function isPartyId(value: string): boolean {
  return value.length === 15 && value.trim().length > 0;
}

function isUpperAlphanumeric(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a))) return false;
  }
  return true;
}

function isDigits(value: string, length: number): boolean {
  if (value.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** YYMMDD, a real calendar day; a year divisible by 4 is leap (1900 is out of any ISA's reach). */
export function isValidDate(value: string): boolean {
  if (!isDigits(value, 6)) return false;
  const year = Number(value.slice(0, 2));
  const month = Number(value.slice(2, 4));
  const day = Number(value.slice(4, 6));
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, year % 4 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/** HHMM on a 24-hour clock. */
export function isValidTime(value: string): boolean {
  if (!isDigits(value, 4)) return false;
  return Number(value.slice(0, 2)) <= 23 && Number(value.slice(2, 4)) <= 59;
}
