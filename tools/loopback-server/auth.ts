// Join-token verification. Every refusal carries an HTTP status and a reason that names the
// problem; no reason ever contains the token or the secret.
import { TokenVerifier, type ClaimGrants, type VideoGrant } from 'livekit-server-sdk';

export interface JoinClaims {
  identity: string;
  name: string;
  room: string;
  metadata: string;
  attributes: Record<string, string>;
  canPublish: boolean;
  canSubscribe: boolean;
  canPublishData: boolean;
  /** The verified video grant, kept so refreshed tokens carry the same grants. */
  video: VideoGrant;
}

export type TokenCheck = { ok: true; claims: JoinClaims } | { ok: false; status: 401 | 403; reason: string };

function refuse(status: 401 | 403, reason: string): TokenCheck {
  return { ok: false, status, reason };
}

/** Reads the unverified payload only to explain a refusal (e.g. when it expired). */
function peekPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function joseCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
}

export class JoinTokenVerifier {
  private readonly verifier: TokenVerifier;
  constructor(
    private readonly apiKey: string,
    apiSecret: string,
  ) {
    this.verifier = new TokenVerifier(apiKey, apiSecret);
  }

  /**
   * @param expectedRoom optional room the caller asked for (non-standard `room` query param);
   * a token for any other room is refused.
   */
  async check(token: string | null | undefined, expectedRoom?: string | null): Promise<TokenCheck> {
    if (!token) return refuse(401, 'missing token: neither an access_token query parameter nor an Authorization: Bearer header');
    if (token.split('.').length !== 3) return refuse(401, 'malformed token: not a JWT (expected 3 dot-separated parts)');
    let grants: ClaimGrants;
    try {
      grants = await this.verifier.verify(token, 0);
    } catch (e) {
      const payload = peekPayload(token);
      switch (joseCode(e)) {
        case 'ERR_JWT_EXPIRED': {
          const exp = typeof payload?.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : 'unknown';
          return refuse(401, `token expired at ${exp}`);
        }
        case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
          return refuse(401, "invalid token signature: not signed with this server's API secret");
        case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
          const claim = typeof e === 'object' && e !== null && 'claim' in e ? String((e as { claim: unknown }).claim) : '?';
          if (claim === 'iss') {
            return refuse(401, `token issued by API key '${String(payload?.iss ?? '')}', this server uses '${this.apiKey}'`);
          }
          return refuse(401, `token claim '${claim}' failed validation`);
        }
        default:
          return refuse(401, `malformed token: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const identity = typeof grants.sub === 'string' ? grants.sub : '';
    if (!identity) return refuse(401, 'token has no identity (sub claim)');
    const video = grants.video;
    if (!video?.roomJoin) return refuse(403, 'token lacks the roomJoin grant');
    if (!video.room) return refuse(403, 'token grants no room name');
    if (expectedRoom && expectedRoom !== video.room) {
      return refuse(403, `token is for room '${video.room}', not '${expectedRoom}'`);
    }
    return {
      ok: true,
      claims: {
        identity,
        name: grants.name ?? '',
        room: video.room,
        metadata: grants.metadata ?? '',
        attributes: grants.attributes ?? {},
        // LiveKit's defaults: unset publish/subscribe grants mean allowed.
        canPublish: video.canPublish ?? true,
        canSubscribe: video.canSubscribe ?? true,
        canPublishData: video.canPublishData ?? true,
        video,
      },
    };
  }
}
