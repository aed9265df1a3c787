// Where a track sits in a room: which participant published it, under which publication.
import type { Participant, Room, Track, TrackPublication } from 'livekit-client';

export interface Located {
  participant: Participant;
  publication: TrackPublication;
  remote: boolean;
}

export function locate(room: Room, track: Track): Located | undefined {
  for (const publication of room.localParticipant.trackPublications.values()) {
    if (publication.track === track) return { participant: room.localParticipant, publication, remote: false };
  }
  for (const participant of room.remoteParticipants.values()) {
    for (const publication of participant.trackPublications.values()) {
      if (publication.track === track) return { participant, publication, remote: true };
    }
  }
  return undefined;
}
