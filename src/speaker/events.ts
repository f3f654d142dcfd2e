// Watchers of the speaker (WatchEvents, `announcer watch`, metrics). An event is built only when
// someone listens for its type: a 100,000-path event is not free.

import type { Logger } from '../log.js';
import type { SpeakerEvent } from './api.js';

type EventType = SpeakerEvent['type'];

export class EventHub {
  private readonly listeners = new Set<{ listener: (e: SpeakerEvent) => void; types: ReadonlySet<EventType> | null }>();

  constructor(private readonly log: Logger) {}

  watch(listener: (e: SpeakerEvent) => void, types?: readonly EventType[]): () => void {
    const entry = { listener, types: types ? new Set(types) : null };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  wants(type: EventType): boolean {
    for (const { types } of this.listeners) if (!types || types.has(type)) return true;
    return false;
  }

  emit(type: EventType, make: () => SpeakerEvent): void {
    let e: SpeakerEvent | undefined;
    for (const { listener, types } of this.listeners) {
      if (types && !types.has(type)) continue;
      e ??= make();
      try {
        listener(e);
      } catch (err) {
        this.log.error({ err }, 'event listener failed');
      }
    }
  }
}
