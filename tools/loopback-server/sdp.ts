// Small SDP text helpers. werift's own SDP objects are used for negotiation; these only patch
// what werift gets wrong for Chromium and read the few facts the signalling layer needs.

import type { CandidatePolicy } from './candidates';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface MediaSection {
  index: number;
  kind: string; // audio | video | application
  mid: string | undefined;
  port: number;
  direction: Direction;
  /** Second part of `a=msid:<stream> <track>`; for livekit-client publishers this is the track cid. */
  msidTrackId: string | undefined;
  msidStreamId: string | undefined;
  /** `a=bundle-only`: port 0 then means "rides on the BUNDLE transport", not "rejected" (Firefox). */
  bundleOnly: boolean;
}

function splitSections(sdp: string): { head: string[]; sections: string[][] } {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const head: string[] = [];
  const sections: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) sections.push([line]);
    else if (sections.length === 0) head.push(line);
    else sections[sections.length - 1]!.push(line);
  }
  return { head, sections };
}

export function parseMediaSections(sdp: string): MediaSection[] {
  const { sections } = splitSections(sdp);
  return sections.map((lines, index) => {
    const m = /^m=(\S+) (\d+)/.exec(lines[0] ?? '');
    let mid: string | undefined;
    let direction: Direction = 'sendrecv'; // RFC 3264 default when no attribute is present
    let msidTrackId: string | undefined;
    let msidStreamId: string | undefined;
    let bundleOnly = false;
    for (const line of lines) {
      if (line.startsWith('a=mid:')) mid = line.slice(6).trim();
      else if (line === 'a=sendrecv' || line === 'a=sendonly' || line === 'a=recvonly' || line === 'a=inactive') {
        direction = line.slice(2) as Direction;
      } else if (line.startsWith('a=msid:')) {
        const [stream, track] = line.slice(7).trim().split(' ');
        msidStreamId = stream;
        msidTrackId = track;
      } else if (line === 'a=bundle-only') bundleOnly = true;
    }
    return { index, kind: m?.[1] ?? 'unknown', mid, port: Number(m?.[2] ?? 0), direction, msidTrackId, msidStreamId, bundleOnly };
  });
}

/** Not rejected: a non-zero port, or port 0 with `a=bundle-only` (RFC 8843; Firefox's new sections). */
export function isLiveSection(section: MediaSection): boolean {
  return section.port !== 0 || section.bundleOnly;
}

export function remoteSends(section: MediaSection | undefined): boolean {
  return !!section && isLiveSection(section) && (section.direction === 'sendonly' || section.direction === 'sendrecv');
}

/**
 * The publisher's audio sections that carry a track. The msid stream id does not matter: the
 * native SDKs' Rust core writes `a=msid:- <cid>` (no stream), livekit-client a stream id.
 */
export function publishedAudioSections(sections: MediaSection[]): MediaSection[] {
  return sections.filter((s) => s.kind === 'audio' && s.mid !== undefined && remoteSends(s));
}

/**
 * werift writes port 0 for inactive m-sections, which Chromium reads as "rejected" and then
 * either refuses the description or tears down the shared BUNDLE transport. Port 9 means
 * "inactive but alive".
 */
export function fixZeroPorts(sdp: string): string {
  return sdp.replace(/^m=(audio|video|application) 0 /gm, 'm=$1 9 ');
}

/** Everything the server's own description needs patched before a client sees it. */
export function patchLocalSdp(sdp: string, policy: CandidatePolicy): string {
  return policy.filterSdp(fixZeroPorts(sdp));
}
