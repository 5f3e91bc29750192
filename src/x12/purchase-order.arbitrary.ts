/**
 * Random valid 850s for property tests (fast-check): business data drawn at random, written
 * as an ST..SE set with the test delimiters of testing.ts.
 */
import fc from 'fast-check';
import { segmentsFromText } from './testing';

const alphanumeric = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[A-Z0-9]{${min},${max}}$`));
const text = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[A-Za-z0-9][A-Za-z0-9 .,-]{${min - 1},${max - 1}}$`));
const date = fc
  .date({
    min: new Date('1990-01-01T00:00:00Z'),
    max: new Date('2089-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 10).replaceAll('-', ''));
const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}${String(m).padStart(2, '0')}`);
const price = fc
  .tuple(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 0, max: 99 }))
  .map(([whole, cents]) => (cents ? `${whole}.${String(cents).padStart(2, '0')}` : `${whole}`));

const party = fc.record({
  code: fc.constantFrom('ST', 'BT', 'BY', 'SF', 'VN'),
  name: text(1, 60),
  id: alphanumeric(2, 20),
  street: fc.option(text(1, 55), { nil: undefined }),
  city: fc.option(text(2, 30), { nil: undefined }),
});
const line = fc.record({
  quantity: fc.integer({ min: 1, max: 99999 }),
  unit: fc.constantFrom('EA', 'CA', 'BX', 'PK', 'DZ', 'LB'),
  price,
  upc: fc.stringMatching(/^[0-9]{12}$/),
  description: fc.option(text(1, 80), { nil: undefined }),
  delivery: fc.option(date, { nil: undefined }),
});

/** A valid 004010 or 005010 850 built from random business data. */
export const purchaseOrder850 = fc
  .record({
    version: fc.constantFrom('004010', '005010'),
    control: fc.stringMatching(/^[0-9]{4,9}$/),
    purpose: fc.constantFrom('00', '01', '05', '07'),
    type: fc.constantFrom('SA', 'RL', 'DS', 'KN'),
    number: alphanumeric(1, 22),
    date,
    time,
    references: fc.array(fc.tuple(fc.constantFrom('DP', 'IA', 'VR', 'CT'), alphanumeric(1, 30)), {
      maxLength: 3,
    }),
    parties: fc.array(party, { maxLength: 4 }),
    lines: fc.array(line, { minLength: 1, maxLength: 6 }),
    totals: fc.boolean(),
  })
  .map((po) => {
    const lines = [`ST*850*${po.control}`, `BEG*${po.purpose}*${po.type}*${po.number}**${po.date}`];
    for (const [qualifier, value] of po.references) lines.push(`REF*${qualifier}*${value}`);
    lines.push(`DTM*002*${po.date}*${po.time}`);
    for (const p of po.parties) {
      lines.push(`N1*${p.code}*${p.name}*92*${p.id}`);
      if (p.street) lines.push(`N3*${p.street}`);
      if (p.city) lines.push(`N4*${p.city}*IL*62701*US`);
    }
    po.lines.forEach((l, index) => {
      lines.push(`PO1*${index + 1}*${l.quantity}*${l.unit}*${l.price}**UP*${l.upc}`);
      if (l.description) lines.push(`PID*F****${l.description}`);
      if (l.delivery) lines.push(`DTM*002*${l.delivery}`);
    });
    if (po.totals) lines.push(`CTT*${po.lines.length}`);
    lines.push(`SE*${lines.length + 1}*${po.control}`);
    return {
      version: po.version,
      lineCount: po.lines.length,
      segments: segmentsFromText(lines.join('~')),
    };
  });
