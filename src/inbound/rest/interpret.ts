import { documentByKind, type DocumentKind } from '../../canonical';
import { Problem } from '../../http/problem';
import type { Interpreter } from '../../pipeline/interpreter';
import { parseCanonicalDocument } from './parse';

/** A REST message already is a canonical document: check it again and pass it on. */
export const interpretRestMessage: Interpreter = ({ raw, job }) => {
  const descriptor = documentByKind(job.documentKind as DocumentKind);
  try {
    const data = parseCanonicalDocument(descriptor, raw);
    const key = descriptor.businessKey(data) ?? null;
    return {
      outcome: 'accepted',
      documents: [{ kind: descriptor.kind, data, subject: key, businessKey: key }],
    };
  } catch (error) {
    if (error instanceof Problem) {
      return { outcome: 'rejected', reason: error.detail, details: error.extensions };
    }
    throw error;
  }
};
