import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A canonical example document from src/canonical/examples, e.g. `purchase-orders`. */
export function exampleDocument(resource: string): Record<string, unknown> {
  return JSON.parse(exampleDocumentText(resource)) as Record<string, unknown>;
}

export function exampleDocumentText(resource: string): string {
  return readFileSync(
    path.join(__dirname, '..', '..', 'src', 'canonical', 'examples', `${resource}.json`),
    'utf8',
  );
}
