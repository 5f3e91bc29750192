import { DeliveryError } from '../adapter';
import {
  classifySoapFailure,
  classifyUnexpectedStatus,
  isRetryableFaultCode,
  readFault,
} from './fault';

describe('which fault codes are worth a retry', () => {
  test.each([
    ['soap:Client', false],
    ['Client', false],
    ['SOAP-ENV:Client.Authentication', false],
    ['env:Sender', false],
    ['soap:VersionMismatch', false],
    ['soap:MustUnderstand', false],
    ['fhb:UnknownTransfer', false],
    ['soap:Server', true],
    ['Server.Busy', true],
    ['env:Receiver', true],
    [' soap12:Receiver ', true],
  ])('%s → retryable %s', (code, retryable) => {
    expect(isRetryableFaultCode(code)).toBe(retryable);
  });
});

describe('reading a fault the soap package parsed', () => {
  test('SOAP 1.1: faultcode and faultstring, text with attributes too', () => {
    expect(
      readFault({
        Body: {
          Fault: {
            faultcode: 'soap:Client',
            faultstring: { attributes: { 'xml:lang': 'en' }, $value: 'Unknown transfer' },
          },
        },
      }),
    ).toEqual({ code: 'soap:Client', text: 'Unknown transfer' });
  });

  test('SOAP 1.2: Code/Value, the deepest Subcode, Reason/Text', () => {
    expect(
      readFault({
        Body: {
          Fault: {
            Code: {
              Value: 'env:Sender',
              Subcode: { Value: 'fhb:Validation', Subcode: { Value: 'fhb:BadAmount' } },
            },
            Reason: {
              Text: { attributes: { 'xml:lang': 'en' }, $value: 'Amount is not a decimal' },
            },
          },
        },
      }),
    ).toEqual({ code: 'env:Sender', subcode: 'fhb:BadAmount', text: 'Amount is not a decimal' });
  });

  test('no fault in a body', () => {
    expect(readFault({ Body: { NotifyTransferStatusResponse: {} } })).toBeUndefined();
    expect(readFault(undefined)).toBeUndefined();
  });
});

describe('classifying a failed call', () => {
  const faultError = (fault: object, status: number, headers: Record<string, string> = {}) =>
    Object.assign(new Error('fault'), {
      root: { Envelope: { Body: { Fault: fault } } },
      response: { status, headers },
    });

  test('a Client fault is permanent and names its code and text', () => {
    const error = classifySoapFailure({
      error: faultError({ faultcode: 'soap:Client', faultstring: 'Unknown transfer T-1' }, 500),
      timedOut: false,
      timeoutMs: 1000,
    });
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.retryable).toBe(false);
    expect(error.statusCode).toBe(500);
    expect(error.message).toBe(
      'receiver answered with SOAP fault soap:Client: Unknown transfer T-1',
    );
  });

  test("a Server fault is retryable and keeps the receiver's Retry-After", () => {
    const error = classifySoapFailure({
      error: faultError({ faultcode: 'soap:Server', faultstring: 'Busy' }, 503, {
        'retry-after': '7',
      }),
      timedOut: false,
      timeoutMs: 1000,
    });
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
  });

  test('a fault decides even when the status says otherwise (the soap package answers 200)', () => {
    const error = classifySoapFailure({
      error: faultError({ Code: { Value: 'env:Sender' }, Reason: { Text: 'No' } }, 200),
      timedOut: false,
      timeoutMs: 1000,
    });
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('env:Sender: No');
  });

  test('a timeout is retryable and says how long was waited', () => {
    const error = classifySoapFailure({
      error: Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' }),
      timedOut: true,
      timeoutMs: 1500,
    });
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('no answer within 1500 ms');
  });

  test('no answer at all (connection refused) is retryable', () => {
    const error = classifySoapFailure({
      error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      timedOut: false,
      timeoutMs: 1000,
    });
    expect(error.retryable).toBe(true);
    expect(error.statusCode).toBeNull();
    expect(error.message).toContain('ECONNREFUSED');
  });

  test.each([
    [500, true],
    [502, true],
    [503, true],
    [408, true],
    [429, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [302, false],
  ])('HTTP %i without a fault → retryable %s', (status, retryable) => {
    const error = classifySoapFailure({
      error: Object.assign(new Error('Cannot parse response'), {
        response: { status, headers: {} },
      }),
      timedOut: false,
      timeoutMs: 1000,
    });
    expect(error.retryable).toBe(retryable);
    expect(error.statusCode).toBe(status);
  });

  test('a 200 whose body is not SOAP is permanent: whether the receiver acted is unknown', () => {
    const error = classifySoapFailure({
      error: {
        Fault: { faultcode: 500, faultstring: 'Invalid XML', detail: 'Error: Unexpected end' },
        response: { status: 200, headers: {} },
      },
      timedOut: false,
      timeoutMs: 1000,
    });
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('Invalid XML');
  });

  test('a redirect is not followed and says to fix the endpoint', () => {
    const error = classifyUnexpectedStatus(301);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('outbound.soap.endpoint');
  });
});
