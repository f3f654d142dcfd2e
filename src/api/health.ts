// The standard grpc.health.v1.Health service (the grpc-health-check package): the whole server ("")
// and announcer.v1.Announcer are SERVING while the speaker is ready, NOT_SERVING before and after.

import type { Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Clock, TimerHandle } from '../clock.js';

/** What this file touches of a health Watch call. */
interface WatchCall {
  on(event: 'close' | 'cancelled', listener: () => void): unknown;
  end(): void;
}

/** The services whose health is reported: the server as a whole, and the Announcer API. */
export const HEALTH_SERVICES = ['', 'announcer.v1.Announcer'] as const;

export interface Health {
  /** false: NOT_SERVING from now on, whatever the speaker says (shutdown); true: follow the speaker again. */
  setServing(serving: boolean): void;
  /** Reads the speaker's readiness now (it is also polled). */
  refresh(): void;
  /** Stops polling, reports NOT_SERVING, and ends every Watch stream (so shutdown need not wait for them). */
  stop(): void;
}

/**
 * Adds the health service to `server`. The speaker has no readiness event, so `ready` is polled
 * every `pollMs` (and read again on every refresh()).
 */
export function addHealthService(server: Server, ready: () => boolean, clock: Clock, pollMs: number): Health {
  const impl = new HealthImplementation();
  // The package keeps its Watch streams to itself; note them on the way in, to end them at stop().
  const watches = new Set<WatchCall>();
  impl.addToServer({
    addService(service, implementation) {
      const watch = implementation['watch'] as ((call: WatchCall) => void) | undefined;
      const tracked: UntypedServiceImplementation = {
        ...(implementation as UntypedServiceImplementation),
        ...(watch && {
          watch: (call: WatchCall) => {
            watches.add(call);
            call.on('close', () => watches.delete(call));
            call.on('cancelled', () => watches.delete(call));
            watch(call);
          },
        }),
      };
      server.addService(service as unknown as ServiceDefinition, tracked);
    },
  });
  let current: ServingStatus | undefined;
  let forcedDown = false;
  let stopped = false;
  let timer: TimerHandle | undefined;

  function report(status: ServingStatus): void {
    // Only changes: each setStatus is pushed to every Watch stream.
    if (status === current) return;
    current = status;
    for (const service of HEALTH_SERVICES) impl.setStatus(service, status);
  }

  function refresh(): void {
    report(!stopped && !forcedDown && ready() ? 'SERVING' : 'NOT_SERVING');
  }

  function poll(): void {
    refresh();
    if (!stopped) timer = clock.after(pollMs, poll);
  }

  poll();
  return {
    setServing(serving) {
      forcedDown = !serving;
      refresh();
    },
    refresh,
    stop() {
      stopped = true;
      timer?.cancel();
      refresh();
      for (const call of watches) call.end();
      watches.clear();
    },
  };
}
