import { eachMigratedDatabase, storeBackends } from '../../test/support/databases';
import type { Database } from './database';
import {
  appendChunk,
  beginStreamedMessage,
  finishStreamedMessage,
  readRawMessage,
} from './message-chunks';
import { MessageStore } from './message-store';
import { recordInterchange } from './x12-interchanges';

describe.each(storeBackends())('streamed messages and interchanges on $name', ({ create }) => {
  let db: Database;
  eachMigratedDatabase(create, (opened) => (db = opened));

  test('a body stored in chunks reads back byte for byte, in order, and only finish makes it received', async () => {
    await beginStreamedMessage(db, {
      id: 'msg_A',
      protocol: 'x12',
      partnerId: null,
      contentType: 'application/edi-x12',
      correlationId: 'c',
    });
    const store = new MessageStore(db);
    expect((await store.getMessage('msg_A'))?.status).toBe('receiving');
    const chunks = Array.from({ length: 9 }, (_, i) => Buffer.alloc(1000 + i, i));
    for (const [seq, chunk] of chunks.entries()) await appendChunk(db, 'msg_A', seq, chunk);
    await finishStreamedMessage(db, 'msg_A', {
      status: 'received',
      sizeBytes: 9036,
      sha256: 'abc',
      partnerId: 'globex-retail',
    });
    const read: Buffer[] = [];
    for await (const chunk of readRawMessage(db, 'msg_A')) read.push(chunk);
    expect(Buffer.concat(read).equals(Buffer.concat(chunks))).toBe(true);
    expect(await store.getMessage('msg_A')).toMatchObject({
      status: 'received',
      sizeBytes: 9036,
      partnerId: 'globex-retail',
    });
    expect((await store.getTimeline('msg_A')).map((t) => t.stage)).toEqual([
      'receiving',
      'received',
    ]);
  });

  test('the same sender and ISA13 within the window is a duplicate of the first message; a retry records nothing new', async () => {
    for (const id of ['msg_1', 'msg_2', 'msg_3']) {
      await beginStreamedMessage(db, {
        id,
        protocol: 'x12',
        partnerId: 'p',
        contentType: null,
        correlationId: id,
      });
    }
    const interchange = {
      seq: 1,
      partnerId: 'p',
      senderQualifier: 'ZZ',
      senderId: 'GLOBEX',
      receiverQualifier: 'ZZ',
      receiverId: 'ACME',
      controlNumber: '000000001',
    };
    expect(await recordInterchange(db, { ...interchange, messageId: 'msg_1' }, 60_000)).toBeNull();
    expect(await recordInterchange(db, { ...interchange, messageId: 'msg_2' }, 60_000)).toBe(
      'msg_1',
    );
    expect(await recordInterchange(db, { ...interchange, messageId: 'msg_1' }, 60_000)).toBeNull();
    expect(
      await recordInterchange(
        db,
        { ...interchange, messageId: 'msg_3', senderId: 'OTHER' },
        60_000,
      ),
    ).toBeNull();
    expect(
      await recordInterchange(db, { ...interchange, messageId: 'msg_3', seq: 2 }, 0),
    ).toBeNull();
  });
});
