/**
 * Reading a request body with a hard limit counted after Content-Encoding is undone. A
 * compressed body is inflated as a stream and abandoned as soon as its output passes the limit,
 * so a gzip bomb costs the limit and a few kilobytes, never its inflated size.
 */
import zlib from 'node:zlib';
import { XmlGuardError } from './xml-guard-error';

export interface BodyLimitOptions {
  /** Bytes allowed on the wire and again after decoding. */
  maxBytes: number;
  /** The Content-Encoding header, if any. */
  contentEncoding?: string;
}

type ContentCoding = 'identity' | 'gzip' | 'deflate';

/**
 * The whole decoded body. On refusal the stream is left paused with the rest unread: the caller
 * answers and should close the connection rather than read on.
 */
export function readLimitedBody(
  stream: NodeJS.ReadableStream,
  options: BodyLimitOptions,
): Promise<Buffer> {
  let coding: ContentCoding;
  try {
    coding = contentCodingOf(options.contentEncoding);
  } catch (error) {
    return Promise.reject(error);
  }
  const { maxBytes } = options;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let decoded = 0;
    let ended = false;
    let settled = false;
    let inflater: zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | undefined;

    const tooLarge = () =>
      new XmlGuardError('too-large', `the request body is larger than ${maxBytes} bytes`);
    const settle = (error?: XmlGuardError) => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      stream.removeListener('close', onClose);
      if (error) {
        stream.pause();
        inflater?.destroy();
        reject(error);
      } else resolve(Buffer.concat(chunks, decoded));
    };
    const onDecoded = (chunk: Buffer) => {
      if (settled) return;
      decoded += chunk.length;
      if (decoded > maxBytes) return settle(tooLarge());
      chunks.push(chunk);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received > maxBytes) return settle(tooLarge());
      if (coding === 'identity') return onDecoded(bytes);
      inflater ??= startInflater(coding, bytes);
      inflater.write(bytes);
    };
    const startInflater = (coding: 'gzip' | 'deflate', first: Buffer) => {
      const created =
        coding === 'gzip'
          ? zlib.createGunzip()
          : hasZlibHeader(first)
            ? zlib.createInflate()
            : zlib.createInflateRaw();
      created.on('data', onDecoded);
      created.on('end', () => settle());
      created.on('error', (error) =>
        settle(
          new XmlGuardError(
            'malformed',
            `the body is not valid ${coding} data`,
            undefined,
            undefined,
            { cause: error },
          ),
        ),
      );
      return created;
    };
    const onEnd = () => {
      ended = true;
      if (inflater) inflater.end();
      else settle();
    };
    const onError = (error: unknown) =>
      settle(
        new XmlGuardError(
          'aborted',
          'the request body was not received in full',
          undefined,
          undefined,
          { cause: error },
        ),
      );
    const onClose = () => {
      if (!ended) onError(new Error('the stream closed before its end'));
    };

    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.resume();
  });
}

function contentCodingOf(header: string | undefined): ContentCoding {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length > 1)
    throw new XmlGuardError(
      'unsupported-encoding',
      'only one Content-Encoding (gzip or deflate) is accepted',
    );
  const [coding] = codings;
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate') return 'deflate';
  throw new XmlGuardError(
    'unsupported-encoding',
    `Content-Encoding ${coding} is not supported; use gzip, deflate or none`,
  );
}

/**
 * RFC 9110 says deflate means the zlib format, but some clients send raw deflate: a zlib stream
 * starts with a CMF/FLG pair whose method is 8 and whose 16-bit value is a multiple of 31.
 */
function hasZlibHeader(first: Buffer): boolean {
  if (first.length < 2) return true;
  const cmf = first[0] as number;
  const flg = first[1] as number;
  return (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
}
