// One watcher's stream (WatchEvents). The speaker tells every watcher as it goes and never waits
// for one; what a watcher has not taken yet waits here as the speaker's events, and is cut into
// messages, converted and serialized only when the transport has sent the one before (pulled, as
// ListPaths is). Converting a million paths as they were told made the replace pay for it, and the
// transport's buffer of a million converted paths took a gigabyte and seconds of collections.

import { nextTurn } from '../clock.js';
import type { Event } from '../gen/announcer/v1/announcer.js';
import type { SpeakerEvent } from '../speaker/api.js';
import { eventPart, eventParts } from './convert.js';

/** Messages handed to the transport and not yet sent, at most (grpc-js would buffer 16 before saying wait). */
const IN_FLIGHT = 2;

export interface WatchBounds {
  /** Events a watcher may fall behind by. */
  readonly events: number;
  /** Paths of rib events a watcher may fall behind by. */
  readonly paths: number;
}

/** Where the messages go: `sent` is called once the transport has taken `m` off its hands. */
export type WatchSink = (m: Event, sent: () => void) => void;

const pathsOf = (e: SpeakerEvent): number => (e.type === 'rib' ? e.added.length + e.removed.length : 0);

/** Held while a watcher has something queued or in flight: the speaker's idle collector waits for it. */
export type BusyHold = () => () => void;

export class WatchQueue {
  private readonly queue: SpeakerEvent[] = [];
  /** Releases the hold taken while something waits (null: nothing waits). */
  private release: (() => void) | null = null;
  /** Where the queue starts in `queue` (taken from the front without shifting a long array). */
  private head = 0;
  /** Messages of queue[head] already sent. */
  private part = 0;
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  /** A change is being told in parts (its last event said `more`): its summary is still to come. */
  private changing = false;
  /** Paths told and not yet sent (in flight included). */
  paths = 0;

  constructor(
    private readonly sink: WatchSink,
    private readonly bounds: WatchBounds,
    /**
     * Taken while events wait here or are in flight: the views of a large change live as long as
     * that, and a memory collection made meanwhile would free nothing of them.
     */
    private readonly hold: BusyHold = () => () => {},
  ) {}

  /** Events told and not yet sent, whole or in part. */
  get events(): number {
    return this.queue.length - this.head;
  }

  /**
   * Queues an event; false (and nothing queued) when the watcher is already a bound behind: the
   * caller cuts it off. The messages are made on a later turn of the event loop, never in the
   * teller's.
   */
  push(e: SpeakerEvent): boolean {
    if (this.closed) return true;
    if (this.events >= this.bounds.events || this.paths >= this.bounds.paths) return false;
    this.queue.push(e);
    this.release ??= this.hold();
    this.paths += pathsOf(e);
    if (e.type === 'rib') this.changing = e.more === true;
    this.schedule();
    return true;
  }

  /** No more messages (the stream ended); what is queued is dropped. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.head = 0;
    this.idle();
  }

  /** Nothing waits or is in flight any more: the hold goes. */
  private idle(): void {
    this.release?.();
    this.release = null;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= IN_FLIGHT) return;
    this.scheduled = true;
    void nextTurn().then(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /**
   * While a change is being told in parts (a replace applied in slices), its parts wait: made and
   * sent between the replace's slices they took the thread from it (a replace of a million paths
   * took 1.8x its time). They go once its summary is told, or sooner when half the bound is queued,
   * so a watcher that keeps up is never cut off by a change larger than the bound.
   */
  private waiting(): boolean {
    return this.changing && this.paths < this.bounds.paths / 2;
  }

  private pump(): void {
    while (!this.closed && this.inFlight < IN_FLIGHT && this.head < this.queue.length && !this.waiting()) {
      const e = this.queue[this.head]!;
      const m = eventPart(e, this.part);
      const n = m.event?.$case === 'rib' ? m.event.value.added.length + m.event.value.removed.length : 0;
      if (++this.part >= eventParts(e)) {
        this.queue[this.head++] = undefined as unknown as SpeakerEvent; // its views can go
        this.part = 0;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
      }
      this.inFlight++;
      this.sink(m, () => {
        this.inFlight--;
        this.paths -= n;
        if (this.inFlight === 0 && this.head >= this.queue.length) this.idle();
        this.schedule();
      });
    }
  }
}
