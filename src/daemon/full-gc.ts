// One full garbage collection on demand, for the speaker's idle collector (speaker/idle-collect.ts).
// V8 offers it only as `gc`, exposed by --expose-gc. The daemon starts as `announcer daemon` from a
// shebang, a systemd unit, a container or `npm install -g`, and a node flag would have to ride on
// every one of them; so the flag is set at run time and `gc` is taken from a fresh context, which is
// the only kind that sees it (the main context was made before the flag). The flag is cleared
// again, so nothing else made later gets a `gc`. Node started with --expose-gc gives its own.

import v8 from 'node:v8';
import vm from 'node:vm';

/** V8's full collection, or null when this runtime will not give it (then memory returns only under pressure). */
export function fullGarbageCollection(): (() => void) | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
