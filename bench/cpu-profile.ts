import { readFileSync } from 'node:fs';

/** Where one process's CPU went, from a V8 `.cpuprofile` written by `node --cpu-prof`. */
export interface ProfileSummary {
  process: string;
  /** Sampled seconds, idle excluded. */
  busySeconds: number;
  idleSeconds: number;
  /** Share of busy time by area (package or Crossdock module), largest first. */
  areas: Array<{ area: string; share: number }>;
  /** Functions with the most self time, largest first. */
  functions: Array<{ name: string; area: string; share: number }>;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Packages that belong together for the reader: a client and its protocol parser, etc. */
const PACKAGE_AREAS = new Map<string, string>(
  Object.entries({
    ioredis: 'ioredis (Redis client)',
    '@ioredis/commands': 'ioredis (Redis client)',
    'redis-parser': 'ioredis (Redis client)',
    'redis-errors': 'ioredis (Redis client)',
    'cluster-key-slot': 'ioredis (Redis client)',
    denque: 'ioredis (Redis client)',
    bullmq: 'bullmq',
    msgpackr: 'bullmq',
    pg: 'pg (PostgreSQL client)',
    'pg-protocol': 'pg (PostgreSQL client)',
    'pg-pool': 'pg (PostgreSQL client)',
    'pg-types': 'pg (PostgreSQL client)',
    'postgres-date': 'pg (PostgreSQL client)',
    '@electric-sql/pglite': 'PGlite (PostgreSQL in WASM)',
    pino: 'pino (logging)',
    'sonic-boom': 'pino (logging)',
    'fast-redact': 'pino (logging)',
    ajv: 'ajv (validation)',
    'ajv-formats': 'ajv (validation)',
  }),
);
const EXPRESS_PACKAGES = new Set([
  'express',
  'router',
  'body-parser',
  'raw-body',
  'type-is',
  'content-type',
  'finalhandler',
  'on-finished',
  'accepts',
  'negotiator',
  'mime-types',
  'iconv-lite',
  'media-typer',
  'depd',
  'qs',
  'send',
  'serve-static',
  'cookie',
  'debug',
  'http-errors',
  'statuses',
  'encodeurl',
  'escape-html',
  'parseurl',
  'path-to-regexp',
  'etag',
  'fresh',
  'vary',
  'content-disposition',
  'merge-descriptors',
  'unpipe',
  'bytes',
  'setprototypeof',
  'ms',
]);

/** The area of a frame, or undefined for node internals and V8 builtins (charged to their caller). */
function areaOf(url: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) {
    const name = pkg[1]!;
    if (EXPRESS_PACKAGES.has(name)) return 'express (HTTP framework)';
    return PACKAGE_AREAS.get(name) ?? name;
  }
  const own = /\/dist\/(src|bench)\/(?:([^/]+)\/)?/.exec(url);
  if (own) return own[1] === 'bench' ? 'bench' : `crossdock ${own[2] ?? 'src'}/`;
  return undefined;
}

export function summarizeCpuProfile(file: string, processName: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);

  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });

  const areaCache = new Map<number, string>();
  const chargedArea = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const special =
      SPECIAL_FRAMES.get(node.callFrame.functionName) ??
      (!node.callFrame.url && SOCKET_WRITES.has(node.callFrame.functionName)
        ? SOCKET_WRITE
        : undefined);
    let area = special ?? areaOf(node.callFrame.url);
    if (!area) {
      const parent = parentOf.get(id);
      const parentArea = parent === undefined ? undefined : chargedArea(parent);
      area =
        parentArea && parentArea !== ROOT ? parentArea : 'node core (sockets, timers, streams)';
    }
    areaCache.set(id, area);
    return area;
  };

  let idle = 0;
  let busy = 0;
  const areas = new Map<string, number>();
  const functions = new Map<string, { area: string; micros: number }>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id)!;
    const area = chargedArea(id);
    if (area === IDLE) {
      idle += micros;
      continue;
    }
    busy += micros;
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const name = functionLabel(node);
    const entry = functions.get(name) ?? { area, micros: 0 };
    entry.micros += micros;
    functions.set(name, entry);
  }
  return {
    process: processName,
    busySeconds: busy / 1e6,
    idleSeconds: idle / 1e6,
    areas: [...areas]
      .map(([area, micros]) => ({ area, share: micros / busy }))
      .sort((a, b) => b.share - a.share),
    functions: [...functions]
      .map(([name, { area, micros }]) => ({ name, area, share: micros / busy }))
      .sort((a, b) => b.share - a.share)
      .slice(0, top),
  };
}

const IDLE = 'idle';
/**
 * Node's native socket writes get an area of their own rather than their caller's: V8 samples
 * by wall clock, so on a saturated machine they also hold the time the process sat preempted
 * right after its write woke the receiver (PostgreSQL, Redis, the sink).
 */
const SOCKET_WRITE = 'socket writes (wall time, incl. preemption)';
const SOCKET_WRITES = new Set([
  'writev',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
  'writeUcs2String',
]);
const ROOT = 'root';
/** V8's pseudo-frames (a Map: a function may well be named `toString`). */
const SPECIAL_FRAMES = new Map<string, string>(
  Object.entries({
    '(idle)': IDLE,
    '(root)': ROOT,
    '(garbage collector)': 'garbage collection',
    '(program)': 'V8 and native code outside JS (program)',
  }),
);

function functionLabel(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist\//, '')
    .replace(/^file:\/\//, '');
  return `${name} ${file}:${lineNumber + 1}`;
}
