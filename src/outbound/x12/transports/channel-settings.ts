import { unresolvedRefs } from '../../../partners/env-refs';
import type { Outbound } from '../../../partners/partner.generated';
import type { LoadedPartner } from '../../../partners/registry';
import { DeliveryError } from '../../adapter';

type X12ChannelKey = 'x12Http' | 'x12File' | 'x12Sftp';

/**
 * The partner's settings for one X12 channel, refused (permanently: retrying cannot help) when
 * they are absent or still hold an `${ENV}` reference that the environment did not set.
 */
export function channelSettings<K extends X12ChannelKey>(
  partner: LoadedPartner,
  key: K,
): NonNullable<Outbound[K]> {
  const settings = partner.config.outbound?.[key];
  if (!settings) {
    throw new DeliveryError(`partner ${partner.config.id} has no outbound.${key} settings`, false);
  }
  const missing = [...new Set(stringsIn(settings).flatMap(unresolvedRefs))];
  if (missing.length > 0) {
    throw new DeliveryError(
      `partner ${partner.config.id}: environment variable ${missing.join(', ')} is not set, so its outbound.${key} channel cannot be used`,
      false,
    );
  }
  return settings as NonNullable<Outbound[K]>;
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}
