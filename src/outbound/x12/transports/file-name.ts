import { DeliveryError } from '../../adapter';
import type { X12Payload } from '../transport';

export const DEFAULT_FILE_NAME = '{partnerId}-{isa13}.x12';

/**
 * The file name an interchange is published under. Every placeholder comes from the payload,
 * {timestamp} included (when the interchange was built, not when it is sent), so a retry of the
 * same interchange renders the same name and is recognised as a re-delivery.
 */
export function renderFileName(pattern: string, payload: X12Payload): string {
  const values: Record<string, string> = {
    partnerId: payload.partnerId,
    isa13: payload.isa13,
    gs06: payload.gs06,
    set: payload.setId,
    messageId: payload.messageId,
    timestamp: formatTimestamp(payload.createdAt),
  };
  const name = pattern.replace(/\{([^{}]*)\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) {
      throw new DeliveryError(
        `file name pattern "${pattern}" has an unknown placeholder ${whole}; known: ${Object.keys(values).join(', ')}`,
        false,
      );
    }
    return value;
  });
  // A name that leaves the directory, or hides as a dot file (where our temporary files live
  // and where partners' pickup jobs do not look), would never be seen where it belongs.
  if (name === '' || /[/\\\0]/.test(name) || name.startsWith('.')) {
    throw new DeliveryError(
      `file name pattern "${pattern}" gives "${name}", which is not a plain file name (no /, \\, or leading dot)`,
      false,
    );
  }
  return name;
}

/** UTC yyyyMMddHHmmssSSS. */
export function formatTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17);
}

/** A name beside `name` that no partner pickup treats as finished: dot-prefixed and unique. */
export function temporaryFileName(name: string, random: string): string {
  return `.${name}.tmp-${random}`;
}
