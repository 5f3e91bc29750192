/**
 * Who is calling: the partner whose credentials the request carries, a WS-Security
 * UsernameToken in the SOAP header or HTTP Basic, among the partners whose files allow this
 * service (inbound.soap). Every failure is one answer, so a caller cannot tell a wrong user
 * from a wrong password, a replayed nonce or a stale token; the reason goes to the log only.
 */
import { unresolvedRefs } from '../../partners/env-refs';
import type { LoadedPartner, PartnerRegistry } from '../../partners/registry';
import type { NonceRegistry } from '../../soap/nonce-registry';
import {
  verifyBasicAuth,
  verifySecurityHeader,
  WSSE_NS,
  type SecurityPolicy,
} from '../../soap/ws-security';
import type { XmlElement } from '../../soap/xml-tree';

const DEFAULT_FRESHNESS_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 60;

export type CallerCheck = { ok: true; partner: LoadedPartner } | { ok: false; reason: string };

/** A partner that may call a service with a UsernameToken, and the checks its file asks for. */
interface TokenCaller {
  partner: LoadedPartner;
  policy: SecurityPolicy;
}

// An unknown user is checked against no users, which fails the same way as a wrong password.
const UNKNOWN_USER_POLICY: SecurityPolicy = {
  users: [],
  passwordTypes: ['PasswordDigest', 'PasswordText'],
  freshnessSeconds: DEFAULT_FRESHNESS_SECONDS,
  clockSkewSeconds: CLOCK_SKEW_SECONDS,
};

export class SoapCallers {
  private readonly byService = new Map<string, LoadedPartner[]>();
  /** Per service, the UsernameToken callers by username; the policies are made once, here. */
  private readonly tokenCallers = new Map<string, Map<string, TokenCaller>>();

  constructor(
    partners: PartnerRegistry,
    private readonly nonces: NonceRegistry,
  ) {
    for (const partner of partners.all()) {
      if (partner.config.enabled === false) continue;
      for (const service of partner.config.inbound?.soap?.services ?? []) {
        const callers = this.byService.get(service) ?? [];
        callers.push(partner);
        this.byService.set(service, callers);
      }
    }
    for (const [service, callers] of this.byService) {
      const byUsername = new Map<string, TokenCaller>();
      for (const partner of callers) {
        const token = partner.config.inbound?.soap?.usernameToken;
        // The first partner naming a user is the one its token signs in as.
        if (!token || byUsername.has(token.username)) continue;
        const usable = unresolvedRefs(token.password).length === 0;
        byUsername.set(token.username, {
          partner,
          policy: {
            users: usable ? [{ username: token.username, password: token.password }] : [],
            passwordTypes: token.passwordTypes ?? UNKNOWN_USER_POLICY.passwordTypes,
            freshnessSeconds: token.freshnessSeconds ?? DEFAULT_FRESHNESS_SECONDS,
            clockSkewSeconds: CLOCK_SKEW_SECONDS,
          },
        });
      }
      this.tokenCallers.set(service, byUsername);
    }
  }

  /** The service names some partner may call, to check them against the served ones at start. */
  serviceNames(): string[] {
    return [...this.byService.keys()];
  }

  async identify(
    service: string,
    header: XmlElement | undefined,
    authorization: string | undefined,
    now: Date,
  ): Promise<CallerCheck> {
    if (authorization?.toLowerCase().startsWith('basic ')) {
      const callers = this.byService.get(service) ?? [];
      const users = callers.flatMap((partner) => {
        const basic = partner.config.inbound?.soap?.basicAuth;
        return basic && unresolvedRefs(basic.password).length === 0
          ? [{ username: basic.username, password: basic.password, partner }]
          : [];
      });
      const verdict = verifyBasicAuth(authorization, users);
      if (!verdict.ok) return { ok: false, reason: verdict.reason };
      const partner = users.find((user) => user.username === verdict.username)?.partner;
      return partner ? { ok: true, partner } : { ok: false, reason: 'no partner for the user' };
    }

    // The token names its user; that partner's own settings (password forms, freshness) apply.
    const username = usernameInHeader(header);
    const caller =
      username === undefined ? undefined : this.tokenCallers.get(service)?.get(username);
    const verdict = await verifySecurityHeader(
      header,
      caller?.policy ?? UNKNOWN_USER_POLICY,
      this.nonces,
      now,
    );
    if (!verdict.ok) return { ok: false, reason: verdict.reason };
    return caller
      ? { ok: true, partner: caller.partner }
      : { ok: false, reason: 'no partner for the user' };
  }
}

function usernameInHeader(header: XmlElement | undefined): string | undefined {
  const security = header?.children.find(
    (child) => child.ns === WSSE_NS && child.name === 'Security',
  );
  const token = security?.children.find(
    (child) => child.ns === WSSE_NS && child.name === 'UsernameToken',
  );
  return token?.children
    .find((child) => child.ns === WSSE_NS && child.name === 'Username')
    ?.text.trim();
}
