// Rooms: who is in which room, and the subscription fan-out between their sessions.
import { randomBytes } from 'node:crypto';
import { DisconnectReason, Room as RoomInfo, type ParticipantInfo, type TrackInfo } from '@livekit/protocol';
import type { Forwarder } from './media';

export function newSid(prefix: 'RM' | 'PA' | 'TR'): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

/** A track a participant announced with addTrack; 'active' once its section is negotiated. */
export interface PublishedTrack {
  sid: string;
  cid: string;
  info: TrackInfo;
  state: 'pending' | 'active';
  mid: string | undefined;
  forwarder: Forwarder;
}

/** What a room needs from a participant's session. */
export interface RoomMember {
  readonly sid: string;
  readonly identity: string;
  readonly canSubscribe: boolean;
  readonly autoSubscribe: boolean;
  info(): ParticipantInfo;
  activeTracks(): PublishedTrack[];
  /** Pushes other participants' info (ParticipantUpdate). */
  sendUpdate(infos: ParticipantInfo[]): void;
  subscribeTo(publisherSid: string, track: PublishedTrack): void;
  unsubscribeFrom(trackSid: string): void;
  disconnect(reason: DisconnectReason, why: string): void;
}

export class Room {
  readonly sid = newSid('RM');
  readonly createdAt = Date.now();
  readonly members = new Map<string, RoomMember>(); // by identity

  constructor(readonly name: string) {}

  info(): RoomInfo {
    return new RoomInfo({
      sid: this.sid,
      name: this.name,
      creationTime: BigInt(Math.floor(this.createdAt / 1000)),
      creationTimeMs: BigInt(this.createdAt),
      numParticipants: this.members.size,
      emptyTimeout: 300,
      departureTimeout: 20,
    });
  }

  othersOf(member: RoomMember): RoomMember[] {
    return [...this.members.values()].filter((m) => m !== member);
  }

  /** Adds a member; an older session with the same identity is replaced (as LiveKit does). */
  add(member: RoomMember): void {
    const previous = this.members.get(member.identity);
    if (previous && previous !== member) previous.disconnect(DisconnectReason.DUPLICATE_IDENTITY, 'duplicate identity');
    this.members.set(member.identity, member);
    this.announce(member);
    // Subscribe the newcomer to what is already published, and others to what it publishes.
    for (const other of this.othersOf(member)) {
      for (const track of other.activeTracks()) this.maybeSubscribe(member, other, track);
      for (const track of member.activeTracks()) this.maybeSubscribe(other, member, track);
    }
  }

  /** Removes a member; everyone else sees it leave and loses its tracks. Safe to repeat. */
  remove(member: RoomMember, departed: ParticipantInfo): void {
    if (this.members.get(member.identity) !== member) return;
    this.members.delete(member.identity);
    const gone = new Set(member.activeTracks().map((t) => t.sid));
    for (const other of this.members.values()) {
      for (const sid of gone) other.unsubscribeFrom(sid);
      other.sendUpdate([departed]);
    }
  }

  /** Tells everyone else about a member's new state (join, publish, mute, unpublish). */
  announce(member: RoomMember): void {
    const info = member.info();
    for (const other of this.othersOf(member)) other.sendUpdate([info]);
  }

  trackActivated(publisher: RoomMember, track: PublishedTrack): void {
    this.announce(publisher);
    for (const other of this.othersOf(publisher)) this.maybeSubscribe(other, publisher, track);
  }

  trackRemoved(publisher: RoomMember, trackSid: string): void {
    for (const other of this.othersOf(publisher)) other.unsubscribeFrom(trackSid);
    this.announce(publisher);
  }

  private maybeSubscribe(subscriber: RoomMember, publisher: RoomMember, track: PublishedTrack): void {
    if (subscriber.canSubscribe && subscriber.autoSubscribe) subscriber.subscribeTo(publisher.sid, track);
  }
}

export class RoomRegistry {
  readonly rooms = new Map<string, Room>();

  getOrCreate(name: string): Room {
    let room = this.rooms.get(name);
    if (!room) {
      room = new Room(name);
      this.rooms.set(name, room);
    }
    return room;
  }

  dropIfEmpty(room: Room): void {
    if (room.members.size === 0 && this.rooms.get(room.name) === room) this.rooms.delete(room.name);
  }
}
