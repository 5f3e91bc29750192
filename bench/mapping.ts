/**
 * Micro benchmark of the map language: the built-in 850 map (edi-maps/maps/850-purchase-order.yaml)
 * run on a 20-line retail purchase-order tree, as the process worker runs it after the X12
 * validator. Reports maps per second and the X12 megabytes per second that corresponds to (the
 * tree written back as X12, `*` `:` `~` delimiters, ST/SE included). The X12 goal is 40 MB/s
 * for tokenize + validate + map on one core; mapping should take a small share of that.
 *
 * `node dist/bench/mapping.js` runs it alone; BENCH_MAPPING_SECONDS sets the measuring time.
 */
import { loadMaps, mapDirectories } from '../src/mapping';
import { purchaseOrderTree } from '../src/mapping/fixtures/retail-850-trees';
import { validateDocument } from '../src/canonical';

export interface MappingBenchResult {
  lines: number;
  /** Size of the same purchase order as X12 text. */
  x12Bytes: number;
  maps: number;
  seconds: number;
  mapsPerSecond: number;
  x12MegabytesPerSecond: number;
}

/** The tree written as X12 (element positions from the keys), to size what was mapped. */
function x12Size(tree: unknown, segmentId = ''): number {
  if (Array.isArray(tree))
    return tree.reduce((sum: number, item) => sum + x12Size(item, segmentId), 0);
  if (typeof tree !== 'object' || tree === null) return 0;
  const entries = Object.entries(tree as Record<string, unknown>);
  const isSegment = entries.every(([, value]) => typeof value === 'string' || Array.isArray(value));
  if (isSegment && segmentId && !segmentId.endsWith('Loop')) {
    let last = 0;
    let size = segmentId.length + 1; // id and the segment terminator
    for (const [key, value] of entries) {
      const position = Number(key.slice(-2));
      last = Math.max(last, position);
      size += Array.isArray(value) ? value.join(':').length : String(value).length;
    }
    return size + last; // one element separator per position up to the last
  }
  return entries.reduce((sum, [key, value]) => sum + x12Size(value, key), 0);
}

export async function benchMapping(
  seconds = Number(process.env.BENCH_MAPPING_SECONDS ?? 3),
  lines = 20,
): Promise<MappingBenchResult> {
  const map = loadMaps(mapDirectories(undefined)).get('850-purchase-order');
  if (!map) throw new Error('edi-maps/maps/850-purchase-order.yaml is missing');
  const tree = purchaseOrderTree(lines);
  const issues = validateDocument('PurchaseOrder', map.run(tree));
  if (issues.length) throw new Error(`the 850 map output is not valid: ${JSON.stringify(issues)}`);
  const x12Bytes = x12Size(tree) + 'ST*850*0001~SE*99*0001~'.length;

  for (let n = 0; n < 2000; n++) map.run(tree); // warm-up: let the JIT settle
  let maps = 0;
  const started = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let n = 0; n < 500; n++) map.run(tree);
    maps += 500;
    elapsed = process.hrtime.bigint() - started;
  }
  const measured = Number(elapsed) / 1e9;
  const mapsPerSecond = maps / measured;
  return {
    lines,
    x12Bytes,
    maps,
    seconds: measured,
    mapsPerSecond,
    x12MegabytesPerSecond: (mapsPerSecond * x12Bytes) / 1e6,
  };
}

if (require.main === module) {
  benchMapping()
    .then((result) => {
      console.log(
        `850 map, ${result.lines}-line PO (${result.x12Bytes} bytes as X12): ` +
          `${Math.round(result.mapsPerSecond).toLocaleString('en-US')} maps/s, ` +
          `${result.x12MegabytesPerSecond.toFixed(1)} MB/s of X12 equivalent ` +
          `(${result.maps} maps in ${result.seconds.toFixed(2)} s, one core)`,
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
