/**
 * The canonical JSON Schemas, loaded once. Each file's `$id` is the name other schemas, events'
 * `dataschema` and the OpenAPI document use for it.
 */
import cloudEvent from './schemas/cloudevent.schema.json';
import common from './schemas/common.schema.json';
import functionalAcknowledgment from './schemas/functional-acknowledgment.schema.json';
import fundsTransfer from './schemas/funds-transfer.schema.json';
import invoice from './schemas/invoice.schema.json';
import purchaseOrderAcknowledgment from './schemas/purchase-order-acknowledgment.schema.json';
import purchaseOrder from './schemas/purchase-order.schema.json';
import shipNotice from './schemas/ship-notice.schema.json';
import transferStatus from './schemas/transfer-status.schema.json';

export interface CanonicalSchema {
  $id: string;
  title: string;
  [keyword: string]: unknown;
}

export const schemaBaseUri = 'https://schemas.crossdock.dev/canonical/';

export const cloudEventSchemaId = cloudEvent.$id;

/** Every canonical schema; the validator adds them all, the generator reads the same files. */
export const schemaList: readonly CanonicalSchema[] = [
  common,
  purchaseOrder,
  purchaseOrderAcknowledgment,
  invoice,
  shipNotice,
  fundsTransfer,
  transferStatus,
  functionalAcknowledgment,
  cloudEvent,
];

/** `$id` -> schema, as deep copies a caller may change (e.g. to embed in an OpenAPI document). */
export function canonicalSchemas(): Record<string, object> {
  return Object.fromEntries(schemaList.map((schema) => [schema.$id, structuredClone(schema)]));
}
