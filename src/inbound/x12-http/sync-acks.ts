import type { MessageStore } from '../../store/message-store';

const POLL_MS = 50;
const FINAL = new Set(['processed', 'rejected', 'unroutable']);

/**
 * For partners that want their acks in the HTTP answer: waits until the process worker has
 * finished the message (it may run in another process, so the store is what is watched),
 * then returns the acks it made, TA1s and 997/999s in order. Undefined when the wait is over
 * first, or when processing made no ack.
 */
export async function waitForAcks(
  store: MessageStore,
  messageId: string,
  timeoutMs: number,
): Promise<Buffer | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const message = await store.getMessage(messageId);
    if (message && FINAL.has(message.status)) {
      const answers = await store.getAnswers(messageId);
      return answers.length > 0 ? Buffer.concat(answers.map((a) => a.raw)) : undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return undefined;
}
