/**
 * Micro benchmark of the map language: the built-in 850 map (edi-maps/maps/850-purchase-order.yaml)
 * run on 20-line purchase-order trees, as the process worker runs it after the X12 validator:
 * a plain order (PO1 lines with two product ids, about 1.2 KB as X12, the size the X12 speed
 * goal is stated for) and a rich one (every segment kind the map reads). Reports maps per
 * second and the X12 megabytes per second that corresponds to (the tree written back as X12,
 * `*` `:` `~` delimiters, ST/SE included). The X12 goal is 40 MB/s for tokenize + validate +
 * map on one core.
 *
 * `node dist/bench/mapping.js` runs it alone; BENCH_MAPPING_SECONDS sets the measuring time.
 */
import { loadMaps, mapDirectories, type CompiledMap } from '../src/mapping';
import {
  plainPurchaseOrderTree,
  purchaseOrderTree,
} from '../src/mapping/fixtures/retail-850-trees';
import { validateDocument } from '../src/canonical';

export interface MappingBenchCase {
  /** `plain`: the 20-line order the X12 speed goal is stated for; `rich`: every segment kind. */
  order: 'plain' | 'rich';
  lines: number;
  /** Size of the same purchase order as X12 text. */
  x12Bytes: number;
  maps: number;
  seconds: number;
  mapsPerSecond: number;
  x12MegabytesPerSecond: number;
}

export interface MappingBenchResult {
  cases: MappingBenchCase[];
}

/** The tree written as X12 (element positions from the keys), to size what was mapped. */
function x12Size(tree: unknown, segmentId = ''): number {
  if (Array.isArray(tree)) {
    return tree.reduce((sum: number, item) => sum + x12Size(item, segmentId), 0);
  }
  if (typeof tree !== 'object' || tree === null) return 0;
  const entries = Object.entries(tree as Record<string, unknown>);
  const isSegment = entries.every(([, value]) => typeof value === 'string' || Array.isArray(value));
  if (isSegment && segmentId && !segmentId.endsWith('Loop')) {
    let last = 0;
    let size = segmentId.length + 1; // id and the segment terminator
    for (const [key, value] of entries) {
      last = Math.max(last, Number(key.slice(-2)));
      size += Array.isArray(value) ? value.join(':').length : String(value).length;
    }
    return size + last; // one element separator per position up to the last
  }
  return entries.reduce((sum, [key, value]) => sum + x12Size(value, key), 0);
}

function measure(
  map: CompiledMap,
  order: MappingBenchCase['order'],
  lines: number,
  seconds: number,
): MappingBenchCase {
  const tree = order === 'plain' ? plainPurchaseOrderTree(lines) : purchaseOrderTree(lines);
  const issues = validateDocument('PurchaseOrder', map.run(tree));
  if (issues.length) throw new Error(`the 850 map output is not valid: ${JSON.stringify(issues)}`);
  const x12Bytes = x12Size(tree) + 'ST*850*0001~SE*99*0001~'.length;
  for (let n = 0; n < 3000; n++) map.run(tree); // warm-up: let the JIT settle
  let maps = 0;
  // CPU time of this process, so other work on a shared machine does not count.
  const started = process.cpuUsage();
  const budget = seconds * 1e6;
  let elapsed = 0;
  while (elapsed < budget) {
    for (let n = 0; n < 500; n++) map.run(tree);
    maps += 500;
    const used = process.cpuUsage(started);
    elapsed = used.user + used.system;
  }
  const measured = elapsed / 1e6;
  const mapsPerSecond = maps / measured;
  return {
    order,
    lines,
    x12Bytes,
    maps,
    seconds: measured,
    mapsPerSecond,
    x12MegabytesPerSecond: (mapsPerSecond * x12Bytes) / 1e6,
  };
}

export async function benchMapping(
  seconds = Number(process.env.BENCH_MAPPING_SECONDS ?? 3),
  lines = 20,
): Promise<MappingBenchResult> {
  const map = loadMaps(mapDirectories(undefined)).get('850-purchase-order');
  if (!map) throw new Error('edi-maps/maps/850-purchase-order.yaml is missing');
  return {
    cases: [measure(map, 'plain', lines, seconds), measure(map, 'rich', lines, seconds)],
  };
}

if (require.main === module) {
  benchMapping()
    .then((result) => {
      for (const c of result.cases) {
        console.log(
          `850 map, ${c.order} ${c.lines}-line PO (${c.x12Bytes} bytes as X12): ` +
            `${Math.round(c.mapsPerSecond).toLocaleString('en-US')} maps/s, ` +
            `${c.x12MegabytesPerSecond.toFixed(1)} MB/s of X12 equivalent ` +
            `(${c.maps} maps in ${c.seconds.toFixed(2)} s of CPU, one core)`,
        );
      }
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
