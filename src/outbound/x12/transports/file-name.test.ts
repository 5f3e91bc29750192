import fc from 'fast-check';
import { DeliveryError } from '../../adapter';
import { DEFAULT_FILE_NAME, formatTimestamp, renderFileName } from './file-name';
import { testPayload } from './testing/transport-fixtures';

test('every placeholder is replaced from the payload; {timestamp} is when it was built, UTC', () => {
  const payload = testPayload({
    createdAt: new Date(Date.UTC(2026, 11, 31, 23, 59, 58, 7)),
  });
  expect(
    renderFileName('{partnerId}_{isa13}_{gs06}_{set}_{messageId}_{timestamp}.edi', payload),
  ).toBe('globex-retail_000000042_7_810_msg_x12out_1_20261231235958007.edi');
  expect(renderFileName(DEFAULT_FILE_NAME, payload)).toBe('globex-retail-000000042.x12');
  expect(renderFileName('outbound.x12', payload)).toBe('outbound.x12');
});

test('the timestamp is yyyyMMddHHmmssSSS in UTC whatever the local zone', () => {
  expect(formatTimestamp(new Date('2026-03-04T05:06:07.089+02:00'))).toBe('20260304030607089');
});

test.each([
  ['a slash', '{partnerId}/{isa13}.x12', {}],
  ['a backslash', '{partnerId}\\{isa13}.x12', {}],
  ['a leading dot', '.{isa13}.x12', {}],
  ['a value that climbs out', '{messageId}.x12', { messageId: '../../etc/passwd' }],
  ['nothing at all', '{messageId}', { messageId: '' }],
  ['an unknown placeholder', '{isa13}-{sender}.x12', {}],
])('a name with %s is refused, permanently', (_why, pattern, overrides) => {
  let refusal: unknown;
  try {
    renderFileName(pattern, testPayload(overrides));
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(DeliveryError);
  expect((refusal as DeliveryError).retryable).toBe(false);
});

test('whatever the values, a rendered name is a plain name inside the directory, or refused', () => {
  const value = fc.string({
    unit: fc.constantFrom('a', '7', '-', '.', '/', '\\', '\0', '{', '}', ' '),
  });
  const placeholders = ['{partnerId}', '{isa13}', '{gs06}', '{set}', '{messageId}', '{timestamp}'];
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...placeholders), value), { minLength: 1, maxLength: 5 }),
      value,
      value,
      (parts, partnerId, messageId) => {
        const pattern = parts.join('');
        let name: string;
        try {
          name = renderFileName(pattern, testPayload({ partnerId, messageId }));
        } catch (error) {
          expect(error).toBeInstanceOf(DeliveryError);
          return;
        }
        expect(name).not.toMatch(/[/\\\0]/);
        expect(name.startsWith('.')).toBe(false);
        expect(name.length).toBeGreaterThan(0);
      },
    ),
  );
});
