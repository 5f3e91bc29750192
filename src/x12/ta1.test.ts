import { readInterchangesSync } from './envelope';
import type { InterchangeHeader } from './model';
import { buildTa1 } from './ta1';

const NOW = new Date(Date.UTC(2024, 2, 12, 9, 5));

describe('buildTa1', () => {
  const header = (changes: Partial<InterchangeHeader> = {}): InterchangeHeader => {
    const [first] = readInterchangesSync(
      'ISA*00*          *00*          *ZZ*GLOBEXRETAIL   *ZZ*ACMESUPPLY     *240312*0915*U*00401*000004512*1*P*>~',
    );
    if (first?.kind !== 'interchange') throw new Error('the sample ISA did not read');
    return { ...first.header, ...changes };
  };

  it('echoes ISA13, ISA09 and ISA10 with the outcome', () => {
    expect(buildTa1(header(), { code: '000', acceptance: 'A' }, NOW)).toEqual({
      id: 'TA1',
      elements: ['000004512', '240312', '0915', 'A', '000'],
    });
  });

  it('stays valid when the ISA it answers is not', () => {
    const bad = header({ date: '241399', time: '9999', controlNumber: '4512' });
    expect(buildTa1(bad, { code: '014', acceptance: 'R' }, NOW).elements).toEqual([
      '000004512',
      '240312',
      '0905',
      'R',
      '014',
    ]);
    const worse = header({ controlNumber: 'ABC' });
    expect(buildTa1(worse, { code: '018', acceptance: 'R' }, NOW).elements[0]).toBe('000000000');
  });

  it('throws on a note code that is not 3 digits (a caller mistake)', () => {
    expect(() => buildTa1(header(), { code: '1', acceptance: 'R' }, NOW)).toThrow(RangeError);
  });
});
