import { documentByKind, type DocumentKind } from '../../canonical';
import { Problem } from '../../http/problem';
import { refusal, type Interpreter } from '../../pipeline/interpreter';
import { parseCanonicalDocument } from './parse';

/** A REST message already is a canonical document: check it again and pass it on. */
export const interpretRestMessage: Interpreter = async ({ body, job }) => {
  const descriptor = documentByKind(job.documentKind as DocumentKind);
  try {
    const data = parseCanonicalDocument(descriptor, await body.bytes());
    const key = descriptor.businessKey(data) ?? null;
    return {
      documents: [
        {
          kind: descriptor.kind,
          data,
          subject: key,
          businessKey: key,
          ...(job.recipientId ? { recipientId: job.recipientId } : {}),
        },
      ],
      conclude: () => ({ status: 'processed' }),
    };
  } catch (error) {
    if (error instanceof Problem) return refusal(error.detail, error.extensions);
    throw error;
  }
};
