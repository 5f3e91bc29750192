import type { DocumentKind } from '../../canonical';
import { MapError, type MapCatalog } from '../../mapping';
import { describeSegmentError } from '../../x12/error-texts';
import type { Segment, SegmentError } from '../../x12/model';
import type { TransactionSetSchemas } from '../../x12/schema';
import { OutboundTreeError, writeTransactionSet } from '../../x12/tree-writer';
import { checkTransactionSet } from '../../x12/validate';
import type { OutboundMaps } from './outbound-maps';
import type { X12OutboundSettings } from './settings';

export interface X12OutboundRuntime {
  schemas: TransactionSetSchemas;
  maps: MapCatalog;
  outboundMaps: OutboundMaps;
}

/** One transaction set ready for an envelope: ST (ST02 still blank) to its last segment. */
export interface BuiltTransactionSet {
  setId: string;
  /** GS01 of the group it goes in, e.g. IN. */
  functionalId: string;
  segments: Segment[];
}

/**
 * The document cannot become a valid transaction set for this partner: no map, a map error,
 * or a set that breaks its schema. Never sent; the reasons name the element and the rule.
 */
export class UnsendableDocumentError extends Error {
  override name = 'UnsendableDocumentError';
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
  }
}

/**
 * Maps a canonical document to the partner's transaction set and validates it against the same
 * schema inbound sets are checked with, so nothing leaves that the gateway would itself refuse.
 *
 * Hot: once per outbound document, timed by bench/x12-generate.ts (row "crossdock full path").
 */
export function buildTransactionSet(
  document: { kind: DocumentKind; data: unknown },
  partnerId: string,
  settings: X12OutboundSettings,
  runtime: X12OutboundRuntime,
): BuiltTransactionSet {
  const route = runtime.outboundMaps.routeFor(document.kind, settings.version);
  if (!route) {
    throw new UnsendableDocumentError([
      `no X12 transaction set is configured for ${document.kind} (edi-maps/x12-outbound.yaml)`,
    ]);
  }
  const schema = runtime.schemas.get(settings.version, route.set);
  const map = runtime.maps.get(route.map, partnerId);
  if (!schema || !map) {
    throw new UnsendableDocumentError([
      `${!schema ? `no ${settings.version} schema for ${route.set}` : `no map named ${route.map}`}`,
    ]);
  }
  let segments: Segment[];
  try {
    segments = writeTransactionSet(map.run(document.data), schema, settings.delimiters);
  } catch (error) {
    if (error instanceof MapError) throw new UnsendableDocumentError([error.message]);
    if (error instanceof OutboundTreeError) {
      throw new UnsendableDocumentError([
        `${map.file}: the ${route.set} it produced at ${error.message}`,
      ]);
    }
    throw error;
  }
  const segmentErrors = blockingErrors(
    checkTransactionSet(closedForValidation(segments), schema, settings.delimiters),
  );
  if (segmentErrors.length > 0) {
    throw new UnsendableDocumentError(
      segmentErrors
        .flatMap((error) => describeSegmentError(error))
        .map((line) => `${route.set} ${settings.version} (map ${route.map}): ${line}`),
    );
  }
  return { setId: route.set, functionalId: schema.functionalGroup, segments };
}

/**
 * What stops a set from leaving: every X12 syntax error. A code outside the schema's common
 * subset of a code list (I6, "code value not used in implementation") is not one: partners'
 * guides use codes the common list lacks, and X12 itself allows them.
 */
function blockingErrors(errors: SegmentError[]): SegmentError[] {
  return errors.flatMap((error) => {
    const elementErrors = error.elementErrors.filter((element) => element.code !== 'I6');
    if (error.code === '8' && elementErrors.length === 0) return [];
    return [{ ...error, elementErrors }];
  });
}

/**
 * The set as the validator reads one: with a control number and its SE. One copy of the list
 * (no spreads through the iterator protocol): this runs for every outbound document
 * (bench/x12-generate.ts, row "crossdock full path").
 */
function closedForValidation(segments: Segment[]): Segment[] {
  const closed = segments.slice();
  const st = segments[0]!;
  closed[0] = { id: 'ST', elements: [st.elements[0]!, '0001', ...st.elements.slice(2)], offset: 0 };
  closed.push({ id: 'SE', elements: [String(segments.length + 1), '0001'], offset: 0 });
  return closed;
}
