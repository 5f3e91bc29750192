import type { Database } from './database';

/** A partner's outbound endpoint as the store remembers it: enabled, or disabled by a 410. */
export interface EndpointState {
  partnerId: string;
  disabledAt: string | null;
  disabledReason: string | null;
  disabledStatusCode: number | null;
  disabledByDelivery: string | null;
  enabledAt: string | null;
  updatedAt: string;
}

const COLUMNS = `partner_id AS "partnerId", disabled_at AS "disabledAt",
  disabled_reason AS "disabledReason", disabled_status_code AS "disabledStatusCode",
  disabled_by_delivery AS "disabledByDelivery", enabled_at AS "enabledAt",
  updated_at AS "updatedAt"`;

export async function listEndpointStates(db: Database): Promise<EndpointState[]> {
  return db.query<EndpointState>(`SELECT ${COLUMNS} FROM endpoint_states ORDER BY partner_id`);
}

export async function getEndpointState(
  db: Database,
  partnerId: string,
): Promise<EndpointState | undefined> {
  const rows = await db.query<EndpointState>(
    `SELECT ${COLUMNS} FROM endpoint_states WHERE partner_id = $1`,
    [partnerId],
  );
  return rows[0];
}

/** The partners whose endpoint is disabled now: a small set, read often, so read whole. */
export async function listDisabledEndpoints(db: Database): Promise<EndpointState[]> {
  return db.query<EndpointState>(
    `SELECT ${COLUMNS} FROM endpoint_states WHERE disabled_at IS NOT NULL`,
  );
}

/**
 * Disables a partner's endpoint. An endpoint already disabled keeps its first 410's time and
 * delivery: deliveries in flight when it went away answer 410 too, and the first one is the fact.
 */
export async function disableEndpoint(
  db: Database,
  input: { partnerId: string; reason: string; statusCode: number; deliveryId: string },
): Promise<EndpointState> {
  const rows = await db.query<EndpointState>(
    `INSERT INTO endpoint_states AS s
       (partner_id, disabled_at, disabled_reason, disabled_status_code, disabled_by_delivery)
     VALUES ($1, now(), $2, $3, $4)
     ON CONFLICT (partner_id) DO UPDATE SET
       disabled_at = COALESCE(s.disabled_at, excluded.disabled_at),
       disabled_reason = COALESCE(s.disabled_reason, excluded.disabled_reason),
       disabled_status_code = COALESCE(s.disabled_status_code, excluded.disabled_status_code),
       disabled_by_delivery = COALESCE(s.disabled_by_delivery, excluded.disabled_by_delivery),
       updated_at = CASE WHEN s.disabled_at IS NULL THEN now() ELSE s.updated_at END
     RETURNING ${COLUMNS}`,
    [input.partnerId, input.reason, input.statusCode, input.deliveryId],
  );
  return rows[0]!;
}

/**
 * Enables a partner's endpoint again. Resolves with when it had been disabled (null when it was
 * not), so the caller can find what was dead-lettered while it was.
 */
export async function enableEndpoint(
  db: Database,
  partnerId: string,
): Promise<{ state: EndpointState; wasDisabledAt: string | null }> {
  // Every CTE reads the same snapshot: `previous` sees the row as it was before the upsert.
  const rows = await db.query<EndpointState & { wasDisabledAt: string | null }>(
    `WITH previous AS (SELECT disabled_at FROM endpoint_states WHERE partner_id = $1),
     upserted AS (
       INSERT INTO endpoint_states AS s (partner_id, enabled_at) VALUES ($1, now())
       ON CONFLICT (partner_id) DO UPDATE SET
         disabled_at = NULL, disabled_reason = NULL, disabled_status_code = NULL,
         disabled_by_delivery = NULL, enabled_at = now(), updated_at = now()
       RETURNING *)
     SELECT ${COLUMNS}, (SELECT disabled_at FROM previous) AS "wasDisabledAt" FROM upserted`,
    [partnerId],
  );
  const { wasDisabledAt, ...state } = rows[0]!;
  return { state, wasDisabledAt };
}
