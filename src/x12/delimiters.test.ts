import { detectDelimiters, ISA_LENGTH } from './delimiters';

/** An ISA with the given separators, fixed-width (105 bytes before its terminator). */
function isa(element = '*', isa11 = 'U', version = '00401', component = '>'): string {
  const fields = [
    'ISA', '00', '          ', '00', '          ', 'ZZ', 'GLOBEXRETAIL   ', 'ZZ', 'ACMESUPPLY     ',
    '240312', '0915', isa11, version, '000004512', '0', 'P', component,
  ]; // prettier-ignore
  return fields.join(element);
}

function detect(text: string) {
  return detectDelimiters(Buffer.from(text, 'utf8'));
}

describe('detectDelimiters', () => {
  it('reads the usual separators; before 00402 ISA11 is the standards id, not a separator', () => {
    const result = detect(isa() + '~GS*PO');
    expect(result).toEqual({
      ok: true,
      delimiters: { element: '*', component: '>', repetition: null, segment: '~' },
      isaOffset: 0,
      isaLength: ISA_LENGTH,
    });
  });

  it('reads ISA11 as the repetition separator from 00402 on', () => {
    const result = detect(isa('|', '^', '00501', ':') + '~');
    expect(result.ok && result.delimiters).toEqual({
      element: '|',
      component: ':',
      repetition: '^',
      segment: '~',
    });
  });

  it('leaves the repetition separator out when ISA11 cannot be one (a U under 00501)', () => {
    const result = detect(isa('*', 'U', '00501') + '~');
    expect(result.ok && result.delimiters.repetition).toBeNull();
  });

  it('skips a UTF-8 BOM and leading whitespace, and says where ISA starts', () => {
    const result = detect('\ufeff \r\n\t' + isa() + '~');
    expect(result.ok && result.isaOffset).toBe(3 + 4);
  });

  it('takes a newline right after ISA16 as the terminator', () => {
    const result = detect(isa() + '\nGS*PO');
    expect(result.ok && result.delimiters.segment).toBe('\n');
  });

  it('takes CR as the terminator of CRLF-ended lines (the LF is a line break)', () => {
    const result = detect(isa() + '\r\nGS*PO');
    expect(result.ok && result.delimiters.segment).toBe('\r');
  });

  it('reads an ISA that is not fixed-width (an unpadded sender id)', () => {
    const short = isa().replace('GLOBEXRETAIL   ', 'GLOBEXRETAIL');
    const result = detect(short + '~GS');
    expect(result).toMatchObject({ ok: true, isaLength: ISA_LENGTH - 3 });
  });

  it.each([
    ['not X12 at all', '{"purchaseOrder": 1}', '022', false],
    ['an empty input', '', '023', true],
    ['a truncated ISA', isa().slice(0, 60), '023', true],
    ['only the start of ISA', 'IS', '023', true],
    ['an alphanumeric element separator', isa('X'), '026', false],
    ['a space as element separator', isa(' '), '026', false],
    [
      'a component separator equal to the element separator',
      isa('*', 'U', '00401', '*') + '~',
      '027',
      false,
    ],
    ['an alphanumeric component separator', isa('*', 'U', '00401', 'Q') + '~', '027', false],
    ['an alphanumeric terminator', isa() + 'GS*PO', '004', false],
    ['a terminator equal to the component separator', isa() + '>', '004', false],
  ])('rejects %s', (_name, text, code, isTruncated) => {
    expect(detect(text)).toMatchObject({ ok: false, code, isTruncated });
  });

  it('rejects an ISA that ends before its 16th element', () => {
    const fifteen = isa().split('*').slice(0, 16).join('*'); // ISA01..ISA15
    expect(detect(fifteen + '~GS*PO*A*B*C*D*1*X*004010~')).toMatchObject({ ok: false });
  });
});
