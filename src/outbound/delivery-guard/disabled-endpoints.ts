import type { Database } from '../../store/database';
import {
  disableEndpoint,
  getEndpointState,
  listDisabledEndpoints,
  type EndpointState,
} from '../../store/endpoint-states';

/** How stale this process's view of disabled endpoints may be before it reads the store again. */
const REFRESH_MS = 1_000;

/**
 * Which partners' endpoints are disabled (a 410 Gone), as the deliver worker asks for every
 * delivery. The store is the record; this process keeps the small set of disabled ones and
 * reads it again at most once a second, so the common answer, "enabled", costs no query.
 * An endpoint this view still holds disabled is confirmed against the store before a delivery
 * is dead-lettered for it: an operator may have enabled it a moment ago in another process.
 * The other way round, a 410 seen by another process reaches this one within a second; a
 * delivery sent in that second gets its own 410 and is dead-lettered the same way.
 */
export class DisabledEndpoints {
  private disabled = new Map<string, EndpointState>();
  private readAt = 0;
  private reading?: Promise<void>;

  constructor(private readonly db: Database) {}

  /** The endpoint's disabled state, or undefined while it is enabled. */
  async disabledState(partnerId: string): Promise<EndpointState | undefined> {
    if (Date.now() - this.readAt > REFRESH_MS) await this.refresh();
    if (!this.disabled.has(partnerId)) return undefined;
    const state = await getEndpointState(this.db, partnerId);
    if (state?.disabledAt) return state;
    this.disabled.delete(partnerId);
    return undefined;
  }

  /** Disables the endpoint in the store and in this process's view at once. */
  async disable(input: {
    partnerId: string;
    reason: string;
    statusCode: number;
    deliveryId: string;
  }): Promise<EndpointState> {
    const state = await disableEndpoint(this.db, input);
    this.disabled.set(input.partnerId, state);
    return state;
  }

  private refresh(): Promise<void> {
    // One read serves every delivery that asks while it runs.
    this.reading ??= listDisabledEndpoints(this.db)
      .then((states) => {
        this.disabled = new Map(states.map((state) => [state.partnerId, state]));
        this.readAt = Date.now();
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
