/**
 * `GET /metrics` in the Prometheus text exposition format 0.0.4. Gauges only, each computed
 * from the store when scraped, so every process serving HTTP reports the same numbers and
 * nothing is kept in memory between scrapes.
 */
import type { RequestHandler, Router } from 'express';

export interface Gauge {
  /** e.g. crossdock_x12_outbound_overdue */
  name: string;
  help: string;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

/** Reads one group of gauges; called once per scrape. */
export type GaugeSource = () => Promise<Gauge[]>;

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function mountMetrics(
  router: Router,
  deps: { sources: GaugeSource[]; operator: RequestHandler },
): void {
  router.get('/metrics', deps.operator, async (_req, res) => {
    const gauges = (await Promise.all(deps.sources.map((source) => source()))).flat();
    res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
    res.send(formatGauges(gauges));
  });
}

export function formatGauges(gauges: Gauge[]): string {
  const lines: string[] = [];
  for (const gauge of gauges) {
    lines.push(`# HELP ${gauge.name} ${escapeHelp(gauge.help)}`, `# TYPE ${gauge.name} gauge`);
    for (const sample of gauge.samples) {
      const labels = Object.entries(sample.labels)
        .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
        .join(',');
      lines.push(`${gauge.name}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

// Text format 0.0.4: in HELP, backslash and newline are escaped; in label values, the double
// quote too.
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return escapeHelp(value).replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
