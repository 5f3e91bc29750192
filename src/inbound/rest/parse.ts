import { documentByResource, validateDocument, type DocumentDescriptor } from '../../canonical';
import { Problem } from '../../http/problem';

/**
 * Parses and validates a canonical document posted as JSON. Returns the document or throws
 * the problem to answer: the position of a JSON syntax error, or every schema violation with
 * a JSON pointer to its field.
 */
export function parseCanonicalDocument(descriptor: DocumentDescriptor, raw: Buffer): object {
  if (raw.length === 0)
    throw new Problem(400, 'invalid-json', 'The request body is empty; send a JSON document.');
  let data: unknown;
  try {
    data = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new Problem(
      400,
      'invalid-json',
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  const issues = validateDocument(descriptor.kind, data);
  if (issues.length > 0) {
    throw new Problem(
      422,
      'validation-failed',
      `The ${descriptor.kind} has ${issues.length} problem(s); see errors.`,
      {
        errors: issues.map((issue) => ({ pointer: issue.pointer, detail: issue.message })),
      },
    );
  }
  return data as object;
}

export function descriptorForResource(resource: string): DocumentDescriptor {
  const descriptor = documentByResource(resource);
  if (!descriptor)
    throw new Problem(404, 'not-found', `There is no document resource /api/v1/${resource}.`);
  return descriptor;
}
