import type { Router } from 'express';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 2000;

function withTimeout(
  probe: ReadinessProbe,
): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
  });
  return Promise.race([probe.check(), timeout])
    .then(() => ({ name: probe.name, ok: true }))
    .catch((error: unknown) => ({ name: probe.name, ok: false, error: (error as Error).message }))
    .finally(() => clearTimeout(timer));
}

/** /healthz: the process lives. /readyz: Redis and the message store both answer. */
export function mountHealth(router: Router, probes: ReadinessProbe[]): void {
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(probes.map(withTimeout));
    const failed = results.filter((r) => !r.ok);
    res.status(failed.length === 0 ? 200 : 503).json({
      status: failed.length === 0 ? 'ready' : 'unavailable',
      checks: Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : r.error])),
    });
  });
}
