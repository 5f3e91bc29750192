import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DeliveryError } from '../../adapter';
import type { X12Transport } from '../transport';
import { channelSettings } from './channel-settings';
import { DEFAULT_FILE_NAME, renderFileName, temporaryFileName } from './file-name';
import { SftpSession } from './sftp-session';

/**
 * Uploads each interchange by SFTP (`outbound.x12Sftp`) under a temporary name, then renames it.
 * One connection per interchange: partners' servers often cap or drop idle sessions, and an
 * interchange is sent rarely enough that a fresh handshake costs nothing that matters.
 */
export const x12SftpTransport: X12Transport = {
  channel: 'x12-sftp',
  async send(payload, partner) {
    const settings = channelSettings(partner, 'x12Sftp');
    const name = renderFileName(settings.fileName ?? DEFAULT_FILE_NAME, payload);
    const session = new SftpSession(settings);
    let finalPath: string;
    try {
      await session.connect();
      finalPath = await uploadWithoutReplacing(session, settings.directory, name, payload.bytes);
    } catch (error) {
      throw session.explain(error);
    } finally {
      await session.close();
    }
    const shown = finalPath.startsWith('/') ? finalPath : `/~/${finalPath}`;
    return { statusCode: null, location: `${session.where}${shown}` };
  },
};

/**
 * Never replaces a file on the partner's server: an existing file with the same bytes is this
 * interchange delivered before (the answer to the rename was lost), any other is a clash the
 * operator must look at. SFTP's RENAME itself refuses an existing target (draft-ietf-secsh-filexfer-02
 * §6.5), so the check before uploading only spares an upload that could not be published.
 */
async function uploadWithoutReplacing(
  session: SftpSession,
  directory: string,
  name: string,
  bytes: Buffer,
): Promise<string> {
  const { client } = session;
  const directoryStats = await session.run(`checking directory ${directory}`, () =>
    client.stat(directory).catch((error: { code?: unknown }) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }),
  );
  if (!directoryStats?.isDirectory) {
    throw new DeliveryError(
      `directory ${directory} ${directoryStats ? 'is not a directory' : 'does not exist'} on ${session.where}`,
      false,
    );
  }
  const finalPath = path.posix.join(directory, name);
  if (await hasBeenDelivered(session, finalPath, bytes)) return finalPath;

  const temporaryPath = path.posix.join(
    directory,
    temporaryFileName(name, randomBytes(6).toString('hex')),
  );
  try {
    await session.run(`uploading ${temporaryPath}`, () =>
      // 'wx': exclusive create, so two attempts can never write into one temporary file.
      client.put(bytes, temporaryPath, { writeStreamOptions: { flags: 'wx' as 'w' } }),
    );
    try {
      await session.run(`renaming ${temporaryPath} to ${finalPath}`, () =>
        client.rename(temporaryPath, finalPath),
      );
      return finalPath;
    } catch (error) {
      if (!session.isOpen || !(await hasBeenDelivered(session, finalPath, bytes))) throw error;
    }
    await session.run(`removing ${temporaryPath}`, () => client.delete(temporaryPath));
    return finalPath;
  } catch (error) {
    await removeLeftover(session, temporaryPath);
    throw error;
  }
}

/**
 * Best effort: the upload's own failure is what the operator needs to see. A temporary file that
 * cannot be removed stays behind dot-prefixed, where partners' pickup jobs do not look.
 */
async function removeLeftover(session: SftpSession, temporaryPath: string): Promise<void> {
  if (!session.isOpen) return;
  try {
    await session.run(`removing ${temporaryPath}`, () =>
      session.client.delete(temporaryPath, true),
    );
  } catch {
    // See above: reported through the failure that brought us here.
  }
}

/** True when the file is there with these bytes, false when absent; other bytes are a clash. */
async function hasBeenDelivered(
  session: SftpSession,
  file: string,
  bytes: Buffer,
): Promise<boolean> {
  const existing = await session.run(`checking ${file}`, () =>
    session.client.stat(file).catch((error: { code?: unknown }) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }),
  );
  if (!existing) return false;
  if (existing.size === bytes.length) {
    const content = await session.run(`reading back ${file}`, () => session.client.get(file));
    if (Buffer.isBuffer(content) && content.equals(bytes)) return true;
  }
  throw new DeliveryError(
    `${file} already exists on ${session.where} with other content; a file is never overwritten`,
    false,
  );
}
