import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  Server,
  utils,
  type AuthContext,
  type Connection,
  type ParsedKey,
  type SFTPWrapper,
} from 'ssh2';
import { hostKeyFingerprint } from '../sftp-session';

const { STATUS_CODE, flagsToString } = utils.sftp;

export interface SftpTestUser {
  username: string;
  password?: string;
  /** OpenSSH public key text (`ssh-ed25519 AAAA...`). */
  publicKey?: string;
}

export interface SftpTestServer {
  host: string;
  port: number;
  /** The directory served as the SFTP root `/`. */
  root: string;
  /** What a partner file's `hostKeySha256` pins for this server. */
  hostKeySha256: string;
  /** SSH connections currently open: a client that always ends its sessions leaves 0. */
  openConnections(): number;
  close(): Promise<void>;
}

/**
 * A real SSH server (ssh2's own) with a small SFTP subsystem serving a local directory: enough
 * of the protocol for an upload (OPEN, WRITE, FSETSTAT, CLOSE, RENAME), a read-back (READ, STAT)
 * and the paths clients ask about (REALPATH, LSTAT, REMOVE). RENAME refuses an existing target,
 * as OpenSSH's server does. For tests only: no jail beyond path normalisation, no quotas.
 */
export async function startSftpTestServer(options: {
  root: string;
  users: SftpTestUser[];
  /** A private host key (OpenSSH text); a fresh ed25519 one when omitted. */
  hostKey?: string;
}): Promise<SftpTestServer> {
  const hostKey = options.hostKey ?? utils.generateKeyPairSync('ed25519').private;
  const parsedHostKey = parseOne(hostKey);
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [hostKey] }, (connection) => {
    connections.add(connection);
    // As a real server would (OpenSSH sets TCP_NODELAY); @types/ssh2 lacks this documented method.
    (connection as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);

    connection.on('close', () => connections.delete(connection));
    // A client that hangs up mid-handshake is routine here (wrong host key, wrong password).
    connection.on('error', () => connections.delete(connection));
    connection.on('authentication', (context) => authenticate(context, options.users));
    connection.on('ready', () => {
      connection.on('session', (acceptSession) => {
        acceptSession().on('sftp', (acceptSftp) => serveDirectory(acceptSftp(), options.root));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('SFTP test server has no port');
  return {
    host: '127.0.0.1',
    port: address.port,
    root: options.root,
    hostKeySha256: hostKeyFingerprint(parsedHostKey.getPublicSSH()),
    openConnections: () => connections.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const connection of connections) connection.end();
        server.close(() => resolve());
      }),
  };
}

function authenticate(context: AuthContext, users: SftpTestUser[]): void {
  const user = users.find((candidate) => candidate.username === context.username);
  const methods: Array<'password' | 'publickey'> = ['password', 'publickey'];
  if (context.method === 'password' && user?.password !== undefined) {
    return sameBytes(context.password, user.password) ? context.accept() : context.reject(methods);
  }
  if (context.method === 'publickey' && user?.publicKey !== undefined) {
    const allowed = parseOne(user.publicKey);
    const isSameKey =
      context.key.algo === allowed.type && context.key.data.equals(allowed.getPublicSSH());
    // Without a signature the client only asks whether the key would do (RFC 4252 §7).
    const isProven =
      context.signature === undefined ||
      (context.blob !== undefined &&
        allowed.verify(context.blob, context.signature, context.hashAlgo) === true);
    return isSameKey && isProven ? context.accept() : context.reject(methods);
  }
  context.reject(methods);
}

function serveDirectory(sftp: SFTPWrapper, root: string): void {
  const handles = new Map<number, number>();
  let nextHandle = 0;
  const local = (remote: string) => path.join(root, path.posix.resolve('/', remote));
  const fdOf = (handle: Buffer) =>
    handle.length === 4 ? handles.get(handle.readUInt32BE(0)) : undefined;
  // Each request answers with a status mapped from the local errno, as a real server would.
  const answer = (reqId: number, work: () => void) => {
    try {
      work();
    } catch (error) {
      sftp.status(reqId, statusOf(error), (error as Error).message);
    }
  };
  const withFd = (reqId: number, handle: Buffer, work: (fd: number) => void) =>
    answer(reqId, () => {
      const fd = fdOf(handle);
      if (fd === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE, 'unknown handle');
      work(fd);
    });

  sftp
    .on('OPEN', (reqId, filename, flags, attrs) =>
      answer(reqId, () => {
        const mode = flagsToString(flags);
        if (!mode) return sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED);
        const fd = fs.openSync(local(filename), mode, attrs.mode ?? 0o666);
        const handle = Buffer.alloc(4);
        handle.writeUInt32BE(nextHandle);
        handles.set(nextHandle++, fd);
        sftp.handle(reqId, handle);
      }),
    )
    .on('WRITE', (reqId, handle, offset, data) =>
      withFd(reqId, handle, (fd) => {
        fs.writeSync(fd, data, 0, data.length, offset);
        sftp.status(reqId, STATUS_CODE.OK);
      }),
    )
    .on('READ', (reqId, handle, offset, length) =>
      withFd(reqId, handle, (fd) => {
        const buffer = Buffer.alloc(length);
        const read = fs.readSync(fd, buffer, 0, length, offset);
        if (read === 0) return sftp.status(reqId, STATUS_CODE.EOF);
        sftp.data(reqId, buffer.subarray(0, read));
      }),
    )
    .on('FSTAT', (reqId, handle) =>
      withFd(reqId, handle, (fd) => sftp.attrs(reqId, attrsOf(fs.fstatSync(fd)))),
    )
    .on('FSETSTAT', (reqId, handle, attrs) =>
      withFd(reqId, handle, (fd) => {
        if (attrs.mode !== undefined) fs.fchmodSync(fd, attrs.mode);
        sftp.status(reqId, STATUS_CODE.OK);
      }),
    )
    .on('CLOSE', (reqId, handle) =>
      withFd(reqId, handle, (fd) => {
        handles.delete(handle.readUInt32BE(0));
        fs.closeSync(fd);
        sftp.status(reqId, STATUS_CODE.OK);
      }),
    )
    .on('STAT', (reqId, remote) =>
      answer(reqId, () => sftp.attrs(reqId, attrsOf(fs.statSync(local(remote))))),
    )
    .on('LSTAT', (reqId, remote) =>
      answer(reqId, () => sftp.attrs(reqId, attrsOf(fs.lstatSync(local(remote))))),
    )
    .on('REALPATH', (reqId, remote) =>
      answer(reqId, () => {
        const absolute = path.posix.resolve('/', remote);
        const stats = fs.existsSync(local(absolute)) ? fs.statSync(local(absolute)) : undefined;
        const attrs = stats
          ? attrsOf(stats)
          : { mode: 0, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 };
        sftp.name(reqId, [{ filename: absolute, longname: absolute, attrs }]);
      }),
    )
    .on('RENAME', (reqId, from, to) =>
      answer(reqId, () => {
        if (fs.existsSync(local(to))) {
          return sftp.status(reqId, STATUS_CODE.FAILURE, `${to} exists`);
        }
        fs.renameSync(local(from), local(to));
        sftp.status(reqId, STATUS_CODE.OK);
      }),
    )
    .on('REMOVE', (reqId, remote) =>
      answer(reqId, () => {
        fs.unlinkSync(local(remote));
        sftp.status(reqId, STATUS_CODE.OK);
      }),
    );
  sftp.on('close', () => {
    for (const fd of handles.values()) fs.closeSync(fd);
    handles.clear();
  });
}

function statusOf(error: unknown): number {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return STATUS_CODE.NO_SUCH_FILE;
    case 'EACCES':
    case 'EPERM':
      return STATUS_CODE.PERMISSION_DENIED;
    default:
      return STATUS_CODE.FAILURE;
  }
}

function attrsOf(stats: fs.Stats) {
  return {
    mode: stats.mode,
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

function parseOne(key: string): ParsedKey {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? parsed[0]! : parsed;
}

function sameBytes(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
