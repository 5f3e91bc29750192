/** The canonical model: business documents every protocol is normalised into, and their events. */
export {
  documentByEventType,
  documentByKind,
  documentByResource,
  documentKinds,
  type DocumentDescriptor,
  type DocumentKind,
  type DocumentOfKind,
} from './documents';
export { createEvent, type CanonicalEvent, type NewEventInput } from './envelope';
export {
  canonicalSchemas,
  validateDocument,
  validateEvent,
  type ValidationIssue,
} from './validate';
export type * from './types.generated';
