// Watchers of the speaker (WatchEvents, `announcer watch`, metrics). An event is built only when
// someone listens for its type: a 100,000-path event is not free.

import type { Logger } from '../log.js';
import type { SpeakerEvent, WatchOptions } from './api.js';

type EventType = SpeakerEvent['type'];

/** Who gets an event: every listener of its type, or only those that want (or do not want) paths. */
export type Audience = 'all' | 'paths' | 'summaries';

interface Listener {
  readonly listener: (e: SpeakerEvent) => void;
  readonly types: ReadonlySet<EventType> | null;
  readonly paths: boolean;
}

export class EventHub {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly log: Logger) {}

  watch(listener: (e: SpeakerEvent) => void, types?: readonly EventType[], options: WatchOptions = {}): () => void {
    const entry = { listener, types: types ? new Set(types) : null, paths: options.paths ?? true };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  wants(type: EventType, audience: Audience = 'all'): boolean {
    for (const l of this.listeners) if (this.hears(l, type, audience)) return true;
    return false;
  }

  emit(type: EventType, make: () => SpeakerEvent, audience: Audience = 'all'): void {
    let e: SpeakerEvent | undefined;
    for (const l of this.listeners) {
      if (!this.hears(l, type, audience)) continue;
      e ??= make();
      try {
        l.listener(e);
      } catch (err) {
        this.log.error({ err }, 'event listener failed');
      }
    }
  }

  private hears(l: Listener, type: EventType, audience: Audience): boolean {
    if (l.types && !l.types.has(type)) return false;
    return audience === 'all' || (audience === 'paths') === l.paths;
  }
}
