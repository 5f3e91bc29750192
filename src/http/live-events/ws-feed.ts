import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../log';
import type { Database } from '../../store/database';
import { identifyReader, type ReadAccess, type Reader } from '../api-keys';
import { Problem } from '../problem';
import type { EventTail } from './event-tail';
import { CLOSE_GOING_AWAY, WsConnection, type WsConnectionOptions } from './ws-connection';
import { refuseUpgrade } from './ws-upgrade';

export const WS_FEED_PATH = '/api/v1/events/ws';
// Subscribe messages are small; anything larger is not one.
const MAX_MESSAGE_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 1000;

export interface WsFeedOptions extends WsConnectionOptions {
  heartbeatMs: number;
}

/**
 * The WebSocket clients of one process, on the HTTP server's 'upgrade' event, with one
 * heartbeat timer for them all: each tick pings every client and ends those that did not
 * answer the previous ping, so dead connections do not hold subscriptions.
 */
export class WsFeeds {
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  private readonly connections = new Set<WsConnection>();
  private heartbeat: NodeJS.Timeout | undefined;
  private isClosed = false;

  constructor(
    private readonly db: Database,
    private readonly tail: EventTail,
    private readonly logger: Logger,
    private readonly access: ReadAccess,
    private readonly options: WsFeedOptions,
  ) {}

  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const failed = (error: Error) => {
      this.logger.debug({ err: error }, 'WebSocket upgrade socket failed');
      socket.destroy();
    };
    socket.on('error', failed);
    let reader: Reader;
    try {
      reader = this.admit(req);
    } catch (error) {
      if (!(error instanceof Problem)) {
        this.logger.error({ err: error }, 'could not authenticate a WebSocket upgrade');
      }
      const refusal =
        error instanceof Problem
          ? error
          : new Problem(500, 'internal-error', 'The upgrade failed; it has been logged.');
      return refuseUpgrade(socket, refusal, req.url);
    }
    this.server.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', failed);
      ws.on('error', (error) => this.logger.debug({ err: error }, 'WebSocket client failed'));
      const connection = new WsConnection(ws, {
        db: this.db,
        tail: this.tail,
        logger: this.logger,
        options: this.options,
        reader,
      });
      this.add(connection);
      ws.on('close', () => {
        this.connections.delete(connection);
        if (this.connections.size === 0) this.stopHeartbeat();
      });
    });
  };

  /** Closes every client with 1001, and ends those that do not answer within a second. */
  async closeAll(): Promise<void> {
    this.isClosed = true;
    this.stopHeartbeat();
    const open = [...this.connections];
    for (const connection of open) connection.close(CLOSE_GOING_AWAY, 'the gateway is stopping');
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (this.connections.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const connection of this.connections) connection.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Who the upgrade is from, by the same rule as the other feeds; throws the refusal. */
  private admit(req: IncomingMessage): Reader {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_FEED_PATH) {
      throw new Problem(404, 'not-found', `No WebSocket endpoint at ${path}.`);
    }
    if (this.isClosed) throw new Problem(503, 'service-unavailable', 'The gateway is stopping.');
    return identifyReader(req, this.access, 'events:read');
  }

  private add(connection: WsConnection): void {
    this.connections.add(connection);
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const each of this.connections) {
          if (each.isAlive) each.ping();
          else each.terminate();
        }
      }, this.options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
