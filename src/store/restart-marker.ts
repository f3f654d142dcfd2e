// How long the daemon was down, so that it can tell routers it restarted (RFC 4724 3, the R bit):
// a file beside the state file whose modification time the running daemon keeps fresh. A stop that
// withdraws removes it; a stop for a restart, or a crash, leaves it, and its age at the next start
// is how long the daemon was away (to within the refresh interval).

import { closeSync, openSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import type { Clock, TimerHandle } from '../clock.js';

/** How often the running daemon refreshes the file's time. */
export const MARKER_REFRESH_MS = 5_000;

export class RestartMarker {
  private timer: TimerHandle | null = null;
  readonly file: string;

  constructor(
    stateFile: string,
    private readonly clock: Clock,
  ) {
    this.file = `${stateFile}.running`;
  }

  /** Milliseconds since the previous daemon was last seen running, or undefined for a first start. */
  downFor(): number | undefined {
    try {
      return Math.max(0, this.clock.now() - statSync(this.file).mtimeMs);
    } catch {
      return undefined;
    }
  }

  /** Marks this daemon running, and keeps the mark fresh until stop(). */
  start(): void {
    this.touch();
    const again = (): void => {
      this.timer = this.clock.after(MARKER_REFRESH_MS, () => {
        this.touch();
        again();
      });
    };
    again();
  }

  /** `restart`: leave the mark (the next start knows how long it was away); otherwise remove it. */
  stop(restart: boolean): void {
    this.timer?.cancel();
    this.timer = null;
    if (restart) this.touch();
    else {
      try {
        unlinkSync(this.file);
      } catch {
        // gone already
      }
    }
  }

  private touch(): void {
    try {
      const t = new Date(this.clock.now());
      try {
        utimesSync(this.file, t, t);
      } catch {
        closeSync(openSync(this.file, 'a', 0o600));
        utimesSync(this.file, t, t);
      }
    } catch {
      // No mark, no R bit: never a reason to stop the daemon.
    }
  }
}
