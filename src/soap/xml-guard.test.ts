import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import {
  DEFAULT_XML_LIMITS,
  parseGuardedXml,
  readLimitedBody,
  XmlGuardError,
  type XmlGuardErrorKind,
  type XmlLimits,
} from './xml-guard';
import type { XmlElement } from './xml-tree';

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';

function parse(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  return parseGuardedXml(Buffer.from(xml, 'utf8'), limits);
}

function refusal(run: () => unknown): XmlGuardError {
  try {
    run();
  } catch (error) {
    if (error instanceof XmlGuardError) return error;
    throw error;
  }
  throw new Error('expected an XmlGuardError, nothing was thrown');
}

async function asyncRefusal(run: () => Promise<unknown>): Promise<XmlGuardError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof XmlGuardError) return error;
    throw error;
  }
  throw new Error('expected an XmlGuardError, nothing was thrown');
}

function expectKind(
  xml: string,
  kind: XmlGuardErrorKind,
  limits: XmlLimits = DEFAULT_XML_LIMITS,
): XmlGuardError {
  const error = refusal(() => parse(xml, limits));
  expect(error.kind).toBe(kind);
  return error;
}

function timed<T>(run: () => T): { result: T; ms: number } {
  const started = process.hrtime.bigint();
  const result = run();
  return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

describe('parseGuardedXml: what it reads', () => {
  it('resolves namespace prefixes with proper scoping and keeps every value a string', () => {
    const root = parse(
      `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="${SOAP11}" xmlns:ft="urn:bank:ft">
  <soapenv:Body>
    <ft:SubmitTransfer ft:version="2">
      <ft:Amount currency="EUR">12345678901234567.89</ft:Amount>
      <Reference xmlns="urn:bank:ref">E2E-001</Reference>
      <ft:Note xmlns:ft="urn:other">rebound</ft:Note>
    </ft:SubmitTransfer>
  </soapenv:Body>
</soapenv:Envelope>`,
    );
    expect(root).toMatchObject({ ns: SOAP11, name: 'Envelope' });
    const submit = root.children[0]?.children[0] as XmlElement;
    expect(submit).toMatchObject({ ns: 'urn:bank:ft', name: 'SubmitTransfer' });
    expect(submit.attributes).toEqual([{ ns: 'urn:bank:ft', name: 'version', value: '2' }]);
    expect(submit.children.map((child) => [child.ns, child.name, child.text])).toEqual([
      ['urn:bank:ft', 'Amount', '12345678901234567.89'],
      ['urn:bank:ref', 'Reference', 'E2E-001'],
      ['urn:other', 'Note', 'rebound'],
    ]);
    expect(submit.children[0]?.attributes).toEqual([{ ns: '', name: 'currency', value: 'EUR' }]);
  });

  it('undeclares the default namespace with xmlns=""', () => {
    const root = parse('<a xmlns="urn:x"><b xmlns=""><c/></b><d/></a>');
    expect(root.ns).toBe('urn:x');
    expect(root.children.map((child) => child.ns)).toEqual(['', 'urn:x']);
    expect(root.children[0]?.children[0]?.ns).toBe('');
  });

  it('decodes the predefined entities, character references and CDATA, and normalises line ends', () => {
    const root = parse(
      '<a x="1&#10;2\t3\r\n4 &quot;&apos;&lt;&gt;&amp;">&lt;&#x1F600;&#65;<![CDATA[<b>&amp;</b>]]>\r\nend\rz</a>',
    );
    expect(root.attributes[0]?.value).toBe('1\n2 3 4 "\'<>&');
    expect(root.text).toBe('<\u{1F600}A<b>&amp;</b>\nend\nz');
  });

  it('accepts a byte order mark, comments around the root and a UTF-8 encoding declaration', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<!-- before --><a>é<!-- inside -->ü</a><!-- after -->\n',
      ),
    ]);
    expect(parseGuardedXml(body, DEFAULT_XML_LIMITS)).toEqual({
      ns: '',
      name: 'a',
      attributes: [],
      children: [],
      text: 'éü',
    });
  });

  it('keeps text between child elements as the parent text, untrimmed', () => {
    const root = parse('<a> one <b>two</b> three </a>');
    expect(root.text).toBe(' one  three ');
    expect(root.children[0]?.text).toBe('two');
  });
});

describe('parseGuardedXml: malformed documents', () => {
  it.each([
    ['an empty body', '', 'the body is empty'],
    ['only whitespace', '  \n', 'no root element'],
    ['a mismatched end tag', '<a><b></a>', 'end tag </a> does not match <b>'],
    ['an unclosed element', '<a><b></b>', 'element <a> is not closed'],
    ['two root elements', '<a/><b/>', 'a second root element'],
    ['text before the root', 'hello<a/>', 'text before the root element'],
    ['text after the root', '<a/>hello', 'content after the root element'],
    ['an undeclared element prefix', '<p:a/>', 'namespace prefix p is not declared'],
    ['an undeclared attribute prefix', '<a p:x="1"/>', 'namespace prefix p is not declared'],
    [
      'a prefix used outside its scope',
      '<a><b xmlns:p="urn:p"/><p:c/></a>',
      'namespace prefix p is not declared',
    ],
    ['a repeated attribute', '<a x="1" x="2"/>', 'repeats attribute x'],
    [
      'one attribute twice through two prefixes',
      '<a xmlns:p="urn:n" xmlns:q="urn:n" p:x="1" q:x="2"/>',
      'repeats attribute x',
    ],
    ['an unquoted attribute', '<a x=1/>', 'not quoted'],
    ['an attribute without value', '<a x/>', 'attribute x has no value'],
    ["'<' in an attribute value", '<a x="<"/>', "'<' is not allowed"],
    ['an HTML entity', '<a>&nbsp;</a>', 'entity &nbsp; is not declared'],
    ['an undeclared entity', '<a>&foo;</a>', 'entity &foo; is not declared'],
    ['a bare ampersand', '<a>fish & chips</a>', "'&' must start"],
    ['a reference to an illegal character', '<a>&#0;</a>', 'not a legal XML character'],
    ['a control character', '<a>\u0001</a>', 'U+0001 is not allowed'],
    ["']]>' in text", '<a>]]></a>', "']]>' is not allowed"],
    ["'--' in a comment", '<a><!-- a -- b --></a>', "'--' is not allowed"],
    ['an unclosed comment', '<a><!-- a </a>', 'comment is not closed'],
    ['an unclosed CDATA section', '<a><![CDATA[ x </a>', 'CDATA section is not closed'],
    ['a prefix declared empty', '<a xmlns:p=""/>', 'cannot be declared empty'],
    ['the xml prefix rebound', '<a xmlns:xml="urn:x"/>', 'xml prefix'],
    ['the xmlns prefix declared', '<a xmlns:xmlns="urn:x"/>', 'xmlns prefix'],
    ['a name with two colons', '<a:b:c xmlns:a="urn:a"/>', "more than one ':'"],
    ['a name starting with a digit', '<1a/>', 'element name expected'],
    ['a truncated start tag', '<a x="1"', 'start tag <a> is not closed'],
    ['no whitespace between attributes', '<a x="1"y="2"/>', 'whitespace expected'],
    ['a malformed XML declaration', '<?xml version="2.0"?><a/>', 'XML declaration'],
    ['an end tag after the root', '<a></a></b>', 'an end tag after the root element'],
  ])('refuses %s', (_what, xml, reason) => {
    expect(expectKind(xml, 'malformed').message).toContain(reason);
  });

  it('says where the problem is', () => {
    const error = expectKind('<a>\n  <b>\n  </c>\n</a>', 'malformed');
    expect(error.line).toBe(3);
    expect(error.column).toBe(3);
    expect(error.message).toBe('end tag </c> does not match <b> (line 3, column 3)');
  });

  it('refuses bytes that are not UTF-8, a UTF-16 body and a non-UTF-8 encoding declaration', () => {
    expect(
      refusal(() => parseGuardedXml(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e])))
        .kind,
    ).toBe('malformed');
    expect(refusal(() => parseGuardedXml(Buffer.from('\ufeff<a/>', 'utf16le'))).kind).toBe(
      'unsupported-encoding',
    );
    expectKind('<?xml version="1.0" encoding="ISO-8859-1"?><a/>', 'unsupported-encoding');
  });

  it('refuses processing instructions other than the XML declaration', () => {
    expectKind('<?xml-stylesheet href="x.xsl"?><a/>', 'processing-instruction');
    expectKind('<a><?php system("id"); ?></a>', 'processing-instruction');
    expectKind('<a/><?after?>', 'processing-instruction');
  });
});

describe('parseGuardedXml: attacks are refused before anything is expanded', () => {
  it('refuses XXE with a file entity', () => {
    const error = expectKind(
      `<?xml version="1.0"?>
<!DOCTYPE Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Body><q>&x;</q></soapenv:Body></soapenv:Envelope>`,
      'doctype',
    );
    expect(error.message).not.toContain('root:');
    expect(error.line).toBe(2);
  });

  it('refuses XXE with a network entity and never contacts the host it names', async () => {
    let requests = 0;
    const server = http.createServer((_request, response) => {
      requests++;
      response.end('<!ENTITY leak "gotcha">');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const xml of [
        `<!DOCTYPE a [<!ENTITY % remote SYSTEM "http://127.0.0.1:${port}/evil.dtd"> %remote;]><a>&leak;</a>`,
        `<!DOCTYPE a SYSTEM "http://127.0.0.1:${port}/evil.dtd"><a/>`,
        `<a><!ENTITY x SYSTEM "http://127.0.0.1:${port}/x">&x;</a>`,
      ]) {
        expectKind(xml, 'doctype');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(requests).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses billion laughs at once', () => {
    const levels = ['<!ENTITY lol0 "lol">'];
    for (let level = 1; level <= 9; level++)
      levels.push(`<!ENTITY lol${level} "${`&lol${level - 1};`.repeat(10)}">`);
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [${levels.join('')}]><lolz>&lol9;</lolz>`;
    const { result, ms } = timed(() => refusal(() => parse(xml)));
    expect(result.kind).toBe('doctype');
    expect(ms).toBeLessThan(50);
  });

  it('refuses 10,000-deep nesting quickly, and reads deep documents without recursion when allowed', () => {
    const deep = (depth: number) => '<a>'.repeat(depth) + '</a>'.repeat(depth);
    const { result, ms } = timed(() => refusal(() => parse(deep(10_000))));
    expect(result.kind).toBe('too-deep');
    expect(ms).toBeLessThan(50);
    expect(refusal(() => parse(deep(65))).kind).toBe('too-deep');
    expect(() => parse(deep(64))).not.toThrow();

    // With the limit lifted, 200,000 levels read fine: depth costs no call stack.
    let element = parse(deep(200_000), { maxDepth: 1_000_000, maxElements: 1_000_000 });
    let depth = 1;
    while (element.children[0]) {
      element = element.children[0];
      depth++;
    }
    expect(depth).toBe(200_000);
  });

  it('refuses a wide element with a million siblings quickly', () => {
    const wide = Buffer.from(`<r>${'<a/>'.repeat(1_000_000)}</r>`);
    const children = timed(() => refusal(() => parseGuardedXml(wide, DEFAULT_XML_LIMITS)));
    expect(children.result.kind).toBe('too-many-children');
    expect(children.ms).toBeLessThan(300);
    const elements = timed(() =>
      refusal(() => parseGuardedXml(wide, { ...DEFAULT_XML_LIMITS, maxChildren: undefined })),
    );
    expect(elements.result.kind).toBe('too-many-elements');
    expect(elements.ms).toBeLessThan(500);
  });

  it('refuses too many attributes and too much text in one element', () => {
    const attributes = Array.from({ length: 65 }, (_, n) => `a${n}="${n}"`).join(' ');
    expectKind(`<a ${attributes}/>`, 'too-many-attributes');
    expect(() => parse(`<a ${attributes.replace(/ a64="64"$/, '')}/>`)).not.toThrow();
    expectKind(`<a>${'é'.repeat(600_000)}</a>`, 'text-too-large');
    expectKind(`<a><![CDATA[${'x'.repeat(1024 * 1024 + 1)}]]></a>`, 'text-too-large');
    expect(parse(`<a>${'x'.repeat(1024 * 1024)}</a>`).text).toHaveLength(1024 * 1024);
  });
});

describe('readLimitedBody', () => {
  const body = Buffer.from(`<a>${'payload '.repeat(1000)}</a>`);

  function streamOf(...chunks: Buffer[]): Readable {
    return Readable.from(chunks);
  }

  it('reads a body up to the limit and refuses one byte more', async () => {
    await expect(
      readLimitedBody(streamOf(body.subarray(0, 100), body.subarray(100)), {
        maxBytes: body.length,
      }),
    ).resolves.toEqual(body);
    const error = await asyncRefusal(() =>
      readLimitedBody(streamOf(body), { maxBytes: body.length - 1 }),
    );
    expect(error.kind).toBe('too-large');
    expect(error.message).toBe(`the request body is larger than ${body.length - 1} bytes`);
  });

  it.each([
    ['gzip', zlib.gzipSync(body)],
    ['x-gzip', zlib.gzipSync(body)],
    ['deflate', zlib.deflateSync(body)],
    ['deflate', zlib.deflateRawSync(body)],
    ['identity', body],
    ['GZIP, identity', zlib.gzipSync(body)],
  ])('inflates Content-Encoding %s', async (contentEncoding, encoded) => {
    await expect(
      readLimitedBody(streamOf(encoded), { maxBytes: 1_000_000, contentEncoding }),
    ).resolves.toEqual(body);
  });

  it('counts the limit after decoding', async () => {
    const error = await asyncRefusal(() =>
      readLimitedBody(streamOf(zlib.gzipSync(body)), {
        maxBytes: body.length - 1,
        contentEncoding: 'gzip',
      }),
    );
    expect(error.kind).toBe('too-large');
  });

  it('refuses unknown and stacked encodings, corrupt data and a stream that breaks off', async () => {
    expect(
      (
        await asyncRefusal(() =>
          readLimitedBody(streamOf(body), { maxBytes: 1e6, contentEncoding: 'br' }),
        )
      ).kind,
    ).toBe('unsupported-encoding');
    expect(
      (
        await asyncRefusal(() =>
          readLimitedBody(streamOf(body), { maxBytes: 1e6, contentEncoding: 'gzip, deflate' }),
        )
      ).kind,
    ).toBe('unsupported-encoding');
    const truncated = zlib.gzipSync(body).subarray(0, 40);
    expect(
      (
        await asyncRefusal(() =>
          readLimitedBody(streamOf(truncated), { maxBytes: 1e6, contentEncoding: 'gzip' }),
        )
      ).kind,
    ).toBe('malformed');
    expect(
      (
        await asyncRefusal(() =>
          readLimitedBody(streamOf(body), { maxBytes: 1e6, contentEncoding: 'gzip' }),
        )
      ).kind,
    ).toBe('malformed');
    const broken = new Readable({ read() {} });
    const reading = readLimitedBody(broken, { maxBytes: 1e6 });
    broken.push(body);
    broken.destroy(new Error('ECONNRESET'));
    expect((await asyncRefusal(() => reading)).kind).toBe('aborted');
  });

  it('refuses a 50 MB body at the limit without reading the rest', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let produced = 0;
    const fiftyMegabytes = new Readable({
      read() {
        if (produced >= 50 * 1024 * 1024) return this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const error = await asyncRefusal(() =>
      readLimitedBody(fiftyMegabytes, { maxBytes: 1024 * 1024 }),
    );
    expect(error.kind).toBe('too-large');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The stream is left paused: at most the limit plus what the stream buffers ahead was made.
    expect(produced).toBeLessThan(2 * 1024 * 1024);
    expect(
      process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heapBefore,
    ).toBeLessThan(20 * 1024 * 1024);
  });

  describe('a gzip bomb', () => {
    let bomb: Buffer;
    let inflatedSize: number;

    beforeAll(() => {
      // Sync-flushed deflate blocks of 16 MiB of zeros, repeated, in one valid gzip member.
      const zeros = Buffer.alloc(16 * 1024 * 1024);
      const block = zlib.deflateRawSync(zeros, {
        level: 9,
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      });
      const count = Math.floor((970 * 1024) / block.length);
      inflatedSize = count * zeros.length;
      let crc = 0;
      for (let n = 0; n < count; n++) crc = zlib.crc32(zeros, crc);
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(crc >>> 0, 0);
      trailer.writeUInt32LE(inflatedSize % 2 ** 32, 4);
      bomb = Buffer.concat([
        Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]),
        ...Array<Buffer>(count).fill(block),
        Buffer.from([0x03, 0x00]),
        trailer,
      ]);
    });

    it('is a real one: 970 KB that inflate to about a gigabyte', () => {
      expect(bomb.length).toBeGreaterThan(950 * 1024);
      expect(bomb.length).toBeLessThan(1024 * 1024);
      expect(inflatedSize).toBeGreaterThan(1_000_000_000);
      // Its first megabyte inflates as zeros, so the bomb is valid gzip.
      expect(
        zlib.gunzipSync(bomb.subarray(0, 20_000), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
          .length,
      ).toBeGreaterThan(16 * 1024 * 1024);
    });

    it('is refused at the limit, fast, never inflated in full', async () => {
      const started = Date.now();
      const error = await asyncRefusal(() =>
        readLimitedBody(streamOf(bomb), { maxBytes: 1024 * 1024, contentEncoding: 'gzip' }),
      );
      expect(error.kind).toBe('too-large');
      expect(Date.now() - started).toBeLessThan(200);
    });

    it('is refused when it comes over a real HTTP connection', async () => {
      const server = http.createServer((request, response) => {
        readLimitedBody(request, {
          maxBytes: 1024 * 1024,
          contentEncoding: request.headers['content-encoding'],
        }).then(
          (read) => response.end(`read ${read.length}`),
          (error: XmlGuardError) => {
            response.writeHead(413, { connection: 'close' });
            response.end(error.kind);
          },
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: { 'content-encoding': 'gzip', 'content-type': 'text/xml' },
          body: bomb,
        });
        expect(response.status).toBe(413);
        expect(await response.text()).toBe('too-large');
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
