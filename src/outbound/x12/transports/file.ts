import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { DeliveryError } from '../../adapter';
import type { X12Payload, X12Transport } from '../transport';
import { channelSettings } from './channel-settings';
import { DEFAULT_FILE_NAME, renderFileName, temporaryFileName } from './file-name';

/** Failures that a later attempt cannot fix: the directory or the name itself is wrong. */
const PERMANENT_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EISDIR',
  'ENAMETOOLONG',
  'EINVAL',
]);

/**
 * Drops each interchange in a directory (`outbound.x12File`): a mounted share or a VAN client's
 * outbox. A reader of the directory only ever sees a complete file under its final name.
 */
export const x12FileTransport: X12Transport = {
  channel: 'x12-file',
  async send(payload, partner, context) {
    const settings = channelSettings(partner, 'x12File');
    const directory = path.resolve(context.varDir, settings.directory);
    const name = renderFileName(settings.fileName ?? DEFAULT_FILE_NAME, payload);
    const finalPath = path.join(directory, name);
    try {
      await mkdir(directory, { recursive: true });
      await publishFile(directory, name, payload.bytes);
    } catch (error) {
      throw classifyFileError(error, finalPath, payload);
    }
    return { statusCode: null, location: finalPath };
  },
};

class FileClashError extends Error {
  constructor(readonly finalPath: string) {
    super(`${finalPath} already exists with other content`);
  }
}

/**
 * Writes the bytes to a temporary name, fsyncs them, then gives them the final name without
 * ever replacing a file there. A file already there with the same bytes is this interchange,
 * delivered before (a retry after a crash between publishing and recording the outcome).
 */
export async function publishFile(directory: string, name: string, bytes: Buffer): Promise<void> {
  const finalPath = path.join(directory, name);
  const temporaryPath = path.join(
    directory,
    temporaryFileName(name, randomBytes(6).toString('hex')),
  );
  const handle = await open(temporaryPath, 'wx');
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const published = await publishWithoutReplacing(temporaryPath, finalPath);
    if (!published && !(await holdsBytes(finalPath, bytes))) throw new FileClashError(finalPath);
    await syncDirectory(directory);
  } finally {
    await unlink(temporaryPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

/**
 * rename() would silently replace an existing file; link() fails with EEXIST instead, atomically.
 * Filesystems without hard links (some shares) get a check then a rename, which leaves only the
 * window between the two for a clash to go unnoticed.
 */
async function publishWithoutReplacing(temporaryPath: string, finalPath: string): Promise<boolean> {
  try {
    await link(temporaryPath, finalPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') {
      throw error;
    }
  }
  if (await exists(finalPath)) return false;
  await rename(temporaryPath, finalPath);
  return true;
}

async function holdsBytes(file: string, bytes: Buffer): Promise<boolean> {
  const info = await stat(file);
  return info.size === bytes.length && (await readFile(file)).equals(bytes);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The new directory entry survives a power cut only once the directory itself is synced. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems (network shares among them) cannot sync a directory; the file is
    // already synced, and that is the most they offer.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EPERM') {
      throw error;
    }
  } finally {
    await handle.close();
  }
}

function classifyFileError(error: unknown, finalPath: string, payload: X12Payload): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof FileClashError) {
    return new DeliveryError(
      `interchange ${payload.isa13} not written: ${error.message} (a file is never overwritten)`,
      false,
      null,
      undefined,
      { cause: error },
    );
  }
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new DeliveryError(
    `could not write ${finalPath}: ${(error as Error).message}`,
    !PERMANENT_CODES.has(code),
    null,
    undefined,
    { cause: error },
  );
}
