/**
 * What X12's syntax error codes mean, in the words of X12.6 / the 997 and 999 guides, so a
 * dead letter or an operator view says "BAK03: required data element missing" rather than
 * "AK403 1". Codes not listed here are shown as the code itself.
 */
import type { ElementError, SegmentError } from './model';

/** AK304 / IK304. */
export const segmentErrorMeanings: Readonly<Record<string, string>> = {
  '1': 'unrecognized segment ID',
  '2': 'unexpected segment',
  '3': 'required segment missing',
  '4': 'loop occurs over maximum times',
  '5': 'segment exceeds maximum use',
  '6': 'segment not in defined transaction set',
  '7': 'segment not in proper sequence',
  '8': 'segment has data element errors',
  I4: 'implementation "not used" segment present',
  I6: 'implementation dependent segment missing',
  I7: 'implementation loop occurs under minimum times',
  I8: 'implementation segment below minimum use',
  I9: 'implementation dependent "not used" segment present',
};

/** AK403 / IK403. */
export const elementErrorMeanings: Readonly<Record<string, string>> = {
  '1': 'required data element missing',
  '2': 'conditional required data element missing',
  '3': 'too many data elements',
  '4': 'data element too short',
  '5': 'data element too long',
  '6': 'invalid character in data element',
  '7': 'invalid code value',
  '8': 'invalid date',
  '9': 'invalid time',
  '10': 'exclusion condition violated',
  '12': 'too many repetitions',
  '13': 'too many components',
  I6: 'code value not used in implementation',
  I9: 'implementation dependent data element missing',
  I10: 'implementation "not used" data element present',
  I11: 'implementation too few repetitions',
  I12: 'implementation pattern match failure',
  I13: 'implementation dependent "not used" data element present',
};

/** e.g. `BAK03 (element 373): invalid date, value "20241301"`. */
export function describeElementError(segmentId: string, error: ElementError): string {
  const name =
    segmentId +
    String(error.position).padStart(2, '0') +
    (error.componentPosition ? `-${error.componentPosition}` : '');
  const reference = error.reference ? ` (element ${error.reference})` : '';
  const meaning = elementErrorMeanings[error.code] ?? `error code ${error.code}`;
  const value = error.badValue !== undefined ? `, value ${JSON.stringify(error.badValue)}` : '';
  return `${name}${reference}: ${meaning}${value}`;
}

/**
 * One line per problem: the segment's own error unless it only says "has data element errors",
 * then each element error. Positions count from ST = 1, as in AK302.
 */
export function describeSegmentError(error: SegmentError): string[] {
  const where = `${error.segmentId} at segment ${error.position}${error.loopId ? ` in loop ${error.loopId}` : ''}`;
  const lines =
    error.code === '8' && error.elementErrors.length > 0
      ? []
      : [`${where}: ${segmentErrorMeanings[error.code] ?? `error code ${error.code}`}`];
  for (const element of error.elementErrors) {
    lines.push(`${describeElementError(error.segmentId, element)} (${where})`);
  }
  return lines;
}
