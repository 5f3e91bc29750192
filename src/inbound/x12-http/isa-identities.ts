import type { DelimiterDetection } from '../../x12/delimiters';

export interface IsaIdentities {
  senderQualifier: string; // ISA05
  senderId: string; // ISA06
  receiverQualifier: string; // ISA07
  receiverId: string; // ISA08
}

/**
 * Who sent the first interchange, read from the ISA before anything is stored, so the
 * partner (and how it authenticates) is known. The full ISA checks happen in processing.
 */
export function readIsaIdentities(
  head: Buffer,
  detection: Extract<DelimiterDetection, { ok: true }>,
): IsaIdentities {
  const isa = head.toString(
    'latin1',
    detection.isaOffset,
    detection.isaOffset + detection.isaLength,
  );
  const elements = isa.split(detection.delimiters.element);
  const at = (i: number) => (elements[i] ?? '').trim();
  return { senderQualifier: at(5), senderId: at(6), receiverQualifier: at(7), receiverId: at(8) };
}
