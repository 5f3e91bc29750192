/**
 * What the codes of a partner's 997/999 mean, so an operator reading a rejected set's
 * ack_errors does not need the X12 dictionary: elements 718/618 (AK502../IK502..) and 716
 * (AK905..) here, 720/620 (AK304/IK304) and 723/621 (AK403/IK403) from x12/error-texts. The
 * 999's implementation codes (I4, I5, ...) exist only in its own lists, and a few codes changed
 * meaning at 005010.
 */
import type { CodeMeaning } from '../../store/x12-ack-tracking';
import { elementErrorMeanings, segmentErrorMeanings } from '../../x12/error-texts';

export type AckCodeList = 'set' | 'group' | 'segment' | 'element';

const SECURITY_SEGMENT_PAIRS = {
  S1E: 'S1E security end segment missing for S1S security start segment',
  S1S: 'S1S security start segment missing for S1E security end segment',
  S2E: 'S2E security end segment missing for S2S security start segment',
  S2S: 'S2S security start segment missing for S2E security end segment',
  S3E: 'S3E security end segment missing for S3S security start segment',
  S3S: 'S3S security start segment missing for S3E security end segment',
  S4E: 'S4E security end segment missing for S4S security start segment',
  S4S: 'S4S security start segment missing for S4E security end segment',
};

const SET_CODES: Record<string, string> = {
  '1': 'transaction set not supported',
  '2': 'transaction set trailer missing',
  '3': 'transaction set control number in header and trailer do not match',
  '4': 'number of included segments does not match actual count',
  '5': 'one or more segments in error',
  '6': 'missing or invalid transaction set identifier',
  '7': 'missing or invalid transaction set control number',
  '8': 'authentication key name unknown',
  '9': 'encryption key name unknown',
  '10': 'requested service (authentication or encryption) not available',
  '11': 'unknown security recipient',
  '12': 'incorrect message length (encryption only)',
  '13': 'message authentication code failed',
  '15': 'unknown security originator',
  '16': 'syntax error in decrypted text',
  '17': 'security not supported',
  '18': 'transaction set not in functional group',
  '19': 'invalid transaction set implementation convention reference',
  '23': 'transaction set control number not unique within the functional group',
  '24': SECURITY_SEGMENT_PAIRS.S3E,
  '25': SECURITY_SEGMENT_PAIRS.S3S,
  '26': SECURITY_SEGMENT_PAIRS.S4E,
  '27': SECURITY_SEGMENT_PAIRS.S4S,
  I5: 'implementation: one or more segments in error',
  I6: 'implementation convention not supported',
};

/** Before 005010, 718 codes 19-22 were the S1/S2 security segment pairs. */
const SET_CODES_BEFORE_5010: Record<string, string> = {
  '19': SECURITY_SEGMENT_PAIRS.S1E,
  '20': SECURITY_SEGMENT_PAIRS.S1S,
  '21': SECURITY_SEGMENT_PAIRS.S2E,
  '22': SECURITY_SEGMENT_PAIRS.S2S,
};

const GROUP_CODES: Record<string, string> = {
  '1': 'functional group not supported',
  '2': 'functional group version not supported',
  '3': 'functional group trailer missing',
  '4': 'group control number in the functional group header and trailer do not agree',
  '5': 'number of included transaction sets does not match actual count',
  '6': 'group control number violates syntax',
  '10': 'authentication key name unknown',
  '11': 'encryption key name unknown',
  '12': 'requested service (authentication or encryption) not available',
  '13': 'unknown security recipient',
  '14': 'unknown security originator',
  '15': 'syntax error in decrypted text',
  '16': 'security not supported',
  '17': 'incorrect message length (encryption only)',
  '18': 'message authentication code failed',
  '19': 'functional group control number not unique within interchange',
  '23': SECURITY_SEGMENT_PAIRS.S3E,
  '24': SECURITY_SEGMENT_PAIRS.S3S,
  '25': SECURITY_SEGMENT_PAIRS.S4E,
  '26': SECURITY_SEGMENT_PAIRS.S4S,
};

/** Before 005010, 716 codes 19-22 were the S1/S2 security segment pairs. */
const GROUP_CODES_BEFORE_5010: Record<string, string> = {
  '19': SECURITY_SEGMENT_PAIRS.S1E,
  '20': SECURITY_SEGMENT_PAIRS.S1S,
  '21': SECURITY_SEGMENT_PAIRS.S2E,
  '22': SECURITY_SEGMENT_PAIRS.S2S,
};

const ELEMENT_OF_LIST: Record<AckCodeList, { '997': string; '999': string }> = {
  set: { '997': '718', '999': '618' },
  group: { '997': '716', '999': '716' },
  segment: { '997': '720', '999': '620' },
  element: { '997': '723', '999': '621' },
};

/** The meaning of `code` in `list`, as a `kind` ack of a group of `version` (GS08) uses it. */
export function ackCodeMeaning(
  list: AckCodeList,
  code: string,
  kind: '997' | '999',
  version: string,
): CodeMeaning {
  const isBefore5010 = version.slice(0, 6) < '005010';
  const isImplementationCode = code.startsWith('I');
  let text: string | undefined;
  if (!(isImplementationCode && kind === '997')) {
    if (list === 'set') text = (isBefore5010 && SET_CODES_BEFORE_5010[code]) || SET_CODES[code];
    else if (list === 'group')
      text = (isBefore5010 && GROUP_CODES_BEFORE_5010[code]) || GROUP_CODES[code];
    else if (list === 'segment') text = segmentErrorMeanings[code];
    else text = elementErrorMeanings[code];
  }
  return {
    code,
    text: text ?? `not a code of X12 element ${ELEMENT_OF_LIST[list][kind]}`,
  };
}
