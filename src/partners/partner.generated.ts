// Generated from partner.schema.json by scripts/generate-canonical-types.mjs; do not edit.

/**
 * One trading partner or internal application: who it is, how it reaches the gateway, how the gateway reaches it. Secrets appear only as ${ENV_VAR} references.
 */
export interface Partner {
  /**
   * Stable id, equal to the file name without .yaml; used in ids, job ids and URLs.
   */
  id: string;
  name: string;
  description?: string;
  enabled?: boolean;
  inbound?: {
    rest?: RestInbound;
  };
  outbound?: Outbound;
  subscriptions?: Subscription[];
}
export interface RestInbound {
  /**
   * @minItems 1
   */
  apiKeys: {
    /**
     * A name for the key, shown in logs instead of the key.
     */
    id: string;
    /**
     * Hex SHA-256 of the key; the key itself is never stored. `npx crossdock hash-key <key>` prints it.
     */
    sha256: string;
    /**
     * documents:write allows every document resource; purchase-orders:write only that one.
     *
     * @minItems 1
     */
    scopes: string[];
  }[];
}
export interface Outbound {
  /**
   * The outbound adapter that delivers to this partner.
   */
  channel: 'webhook';
  webhook: WebhookChannel;
  /**
   * Delivery retries: exponential backoff with full jitter between attempts, then a dead letter.
   */
  retry?: {
    attempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
  };
}
export interface WebhookChannel {
  /**
   * May use ${VAR} or ${VAR:-default}.
   */
  url: string;
  /**
   * Standard Webhooks signing secret (whsec_ followed by base64), as an ${ENV} reference.
   */
  secret: string;
  timeoutMs?: number;
  /**
   * Extra headers to send, e.g. an Authorization value as ${ENV} reference.
   */
  headers?: {
    [k: string]: string;
  };
}
export interface Subscription {
  /**
   * Event types to receive; `*` matches any run of characters, e.g. com.crossdock.*
   *
   * @minItems 1
   */
  events: string[];
  /**
   * Only events whose source partner is one of these.
   */
  fromPartners?: string[];
}
