import { createHash } from 'node:crypto';
import net from 'node:net';
import SftpClient from 'ssh2-sftp-client';
import type { X12SftpChannel } from '../../../partners/partner.generated';
import { DeliveryError } from '../../adapter';

/** What ssh2 attaches to the errors it emits: where in the connection it failed. */
interface Ssh2Failure extends Error {
  level?: string;
  code?: string | number;
}

class StepTimeout extends Error {}

// SFTP status codes (draft-ietf-secsh-filexfer-02 §7) and the names ssh2-sftp-client maps them
// to: a missing path or a refused permission stays so until someone changes the partner's server.
const PERMANENT_SFTP_CODES = new Set<string | number>([2, 3, 'ENOENT', 'EACCES', 'ENOTDIR']);

/**
 * One SSH connection to a partner's SFTP server, opened for one interchange and always closed
 * after it. Every step has a deadline, and every failure is explained as a DeliveryError that
 * says whether trying again later can help.
 */
export class SftpSession {
  readonly client: SftpClient;
  private socket: net.Socket | undefined;
  private readonly failures: Ssh2Failure[] = [];
  private readonly timeoutMs: number;
  private refusedHostKey: string | undefined;
  private step = 'connecting';

  constructor(private readonly settings: X12SftpChannel) {
    this.timeoutMs = settings.timeoutMs ?? 30_000;
    // Failures are explained by the step that meets them; the library's default callbacks only
    // print to the console.
    this.client = new SftpClient('crossdock-x12', {
      error: () => undefined,
      end: () => undefined,
      close: () => undefined,
    });
    // ssh2-sftp-client rewraps ssh2's errors without their `level`; this keeps the originals.
    this.client.on('error', (error: Ssh2Failure) => this.failures.push(error));
  }

  get port(): number {
    return this.settings.port ?? 22;
  }

  /** The server, as error messages and locations name it. */
  get where(): string {
    return `sftp://${this.settings.host}:${this.port}`;
  }

  async connect(): Promise<void> {
    const expected = this.settings.hostKeySha256?.replace(/^SHA256:/, '').replace(/=+$/, '');
    // Ours, not ssh2's, so that closing can always tear it down, even mid-handshake.
    const socket = net.connect({ host: this.settings.host, port: this.port });
    this.socket = socket;
    // SFTP is request/answer in small packets: Nagle's delay would add ~40 ms to every step.
    socket.setNoDelay(true);
    socket.on('error', (error) => this.failures.push(error));
    await this.run('connecting', () =>
      this.client.connect({
        sock: socket,
        host: this.settings.host,
        port: this.port,
        username: this.settings.username,
        password: this.settings.password,
        privateKey: this.settings.privateKey && asKeyText(this.settings.privateKey),
        passphrase: this.settings.passphrase,
        readyTimeout: this.timeoutMs,
        hostVerifier: expected
          ? (key: Buffer) => {
              const seen = hostKeyFingerprint(key);
              if (seen === expected) return true;
              this.refusedHostKey = seen;
              return false;
            }
          : undefined,
      }),
    );
  }

  /** Runs one SFTP request; a server that stops answering has the connection cut under it. */
  async run<T>(step: string, operation: () => Promise<T>): Promise<T> {
    this.step = step;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.socket?.destroy();
        reject(new StepTimeout(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([operation(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /** Says goodbye if the connection still stands, and releases the socket in every case. */
  async close(): Promise<void> {
    try {
      if (this.isOpen) await this.run('disconnecting', () => this.client.end());
    } catch {
      // The interchange's fate is already decided; a goodbye that fails changes nothing, and
      // the socket is destroyed below either way.
    } finally {
      this.socket?.destroy();
    }
  }

  /** The failure as the deliver worker needs it: what happened, and whether to try again. */
  explain(error: unknown): DeliveryError {
    if (error instanceof DeliveryError) return error;
    const { where } = this;
    const raw = this.failures[0];
    const cause = { cause: raw ?? error };
    const reason = raw?.message ?? (error as Error).message;
    if (this.refusedHostKey !== undefined) {
      return new DeliveryError(
        `${where} presented host key SHA256:${this.refusedHostKey}, not the pinned SHA256:${this.settings.hostKeySha256}; refused`,
        false,
        null,
        undefined,
        cause,
      );
    }
    if (raw?.level === 'client-authentication') {
      return new DeliveryError(
        `${where} refused user ${this.settings.username} (${reason})`,
        false,
        null,
        undefined,
        cause,
      );
    }
    if (/^(Cannot parse privateKey|privateKey value does not contain)/.test(reason)) {
      return new DeliveryError(
        `the private key for ${where} cannot be used: ${reason}`,
        false,
        null,
        undefined,
        cause,
      );
    }
    const code = (error as Ssh2Failure).code;
    const isPermanent =
      !(error instanceof StepTimeout) &&
      raw === undefined &&
      code !== undefined &&
      PERMANENT_SFTP_CODES.has(code);
    return new DeliveryError(
      `${where} failed while ${this.step}: ${error instanceof StepTimeout ? error.message : reason}`,
      !isPermanent,
      null,
      undefined,
      cause,
    );
  }
}

/** Base64 SHA-256 of the key blob, unpadded, as `ssh-keygen -l` prints it after "SHA256:". */
export function hostKeyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/**
 * A key kept in an environment variable often arrives with its line breaks written as "\n"
 * (env files, CI secrets); OpenSSH and PEM parsers need real ones.
 */
function asKeyText(value: string): string {
  return value.includes('\n') ? value : value.replace(/\\n/g, '\n');
}
