// Which ICE candidate addresses the server may use. Loopback only by default; tests that run a
// browser inside a network namespace they made (Firefox gathers no 127.0.0.1 candidate) list the
// namespace's addresses explicitly. Candidates for any other address are dropped, and logged.
import { isIPv4 } from 'node:net';

export const LOOPBACK_CANDIDATE_ADDRESS = '127.0.0.1';

/** werift ICE options for a policy (see createPeer in media.ts). */
export interface IceBinding {
  iceAdditionalHostAddresses: string[];
  iceInterfaceAddresses: { udp4: string } | undefined;
}

/** `candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...` */
export function candidateAddress(candidate: string): string | undefined {
  return candidate.replace(/^a=/, '').split(' ')[4];
}

export class CandidatePolicy {
  readonly addresses: ReadonlySet<string>;

  /** @param extra addresses besides 127.0.0.1 (IPv4 literals); throws on anything else. */
  constructor(extra: readonly string[] = []) {
    for (const address of extra) {
      if (!isIPv4(address)) throw new Error(`allowedCandidateAddresses: '${address}' is not an IPv4 address`);
    }
    this.addresses = new Set([LOOPBACK_CANDIDATE_ADDRESS, ...extra]);
  }

  /** Parses a comma- or space-separated list (CLI flag or environment variable). */
  static fromList(list: string | undefined): CandidatePolicy {
    return new CandidatePolicy((list ?? '').split(/[\s,]+/).filter((a) => a.length > 0));
  }

  get loopbackOnly(): boolean {
    return this.addresses.size === 1;
  }

  allows(address: string | undefined): boolean {
    return address !== undefined && this.addresses.has(address);
  }

  /** undefined when allowed, else why not (for the log). */
  refusal(candidate: string): string | undefined {
    const address = candidateAddress(candidate);
    if (this.allows(address)) return undefined;
    return `candidate address ${address ?? '(none)'} is not in the allowed candidate addresses (${[...this.addresses].join(', ')})`;
  }

  /** Drops `a=candidate:` lines the policy refuses; `onDropped` hears each, with its reason. */
  filterSdp(sdp: string, onDropped: (reason: string) => void = () => undefined): string {
    const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
    const kept = sdp.split(/\r?\n/).filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      const why = this.refusal(line.slice(2));
      if (why) onDropped(why);
      return !why;
    });
    return kept.join(eol);
  }

  /**
   * Loopback only: bind every ICE socket to 127.0.0.1. With extra addresses the sockets must
   * receive on those too, so they bind to all interfaces; candidates and pairs for addresses
   * outside the policy are still dropped (filterSdp, iceFilterCandidatePair).
   */
  iceBinding(): IceBinding {
    return {
      iceAdditionalHostAddresses: [...this.addresses],
      iceInterfaceAddresses: this.loopbackOnly ? { udp4: LOOPBACK_CANDIDATE_ADDRESS } : undefined,
    };
  }
}
