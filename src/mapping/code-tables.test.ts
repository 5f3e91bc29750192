import { mapErrorOf } from './fixtures/map-errors';
import { compileMapText, removeMapFolders } from './fixtures/map-folders';

afterAll(removeMapFolders);

const tables = `
codes:
  productIdScheme:
    values: { UP: UPC, UK: GTIN, VN: VendorPart, VP: VendorPart }
  partyRole:
    values: { BY: buyer, SE: seller, VN: seller, ST: shipTo }
    default: other
  roleWithOther:
    values: { BY: buyer, ZZ: other }
    default: other
  timeZone:
    values: { UT: Z, ES: -05:00 }
    unknown: omit
  allowanceIndicator:
    values: { A: allowance, C: charge }
    unknown: error
`;

function codeOf(table: string, value: string): unknown {
  const map = compileMapText(`${tables}output:\n  code: $ value | codeOf ${table}\n`);
  return (map.run({ value }) as { code?: unknown }).code;
}

describe('codeOf: a code table read backwards', () => {
  it('gives the code of a canonical value, the first listed when several map to it', () => {
    expect(codeOf('productIdScheme', 'UPC')).toBe('UP');
    expect(codeOf('productIdScheme', 'VendorPart')).toBe('VN');
    expect(codeOf('partyRole', 'seller')).toBe('SE');
  });

  it('follows the table: unknown values kept (keep), left out (omit) or an error (error)', () => {
    expect(codeOf('productIdScheme', 'IN')).toBe('IN');
    expect(codeOf('timeZone', '+01:00')).toBeUndefined();
    const error = mapErrorOf(() => codeOf('allowanceIndicator', 'rebate'));
    expect(error.code).toBe('unknown-code');
    expect(error.pointer).toBe('/code');
    expect(error.message).toMatch(/is not a value of table "allowanceIndicator"/);
  });

  it("has no code for a table's default unless a code maps to it explicitly", () => {
    const error = mapErrorOf(() => codeOf('partyRole', 'other'));
    expect(error.code).toBe('unknown-code');
    expect(error.message).toMatch(/has no code in table "partyRole"/);
    expect(codeOf('roleWithOther', 'other')).toBe('ZZ');
    expect(codeOf('partyRole', 'markFor')).toBe('markFor');
  });

  it('turns around what code reads, for every code that is the first of its value', () => {
    const map = compileMapText(
      `${tables}output:\n  back: $ code | code productIdScheme | codeOf productIdScheme\n`,
    );
    for (const code of ['UP', 'UK', 'VN', 'IN']) expect(map.run({ code })).toEqual({ back: code });
  });

  it('refuses an unknown table at load', () => {
    expect(() => compileMapText('output:\n  a: $ x | codeOf nothing\n')).toThrow(
      /unknown code table "nothing"/,
    );
  });
});
