// A bench's lab is removed on Ctrl-C or SIGTERM as on an ordinary end: node ends without its
// 'exit' hooks on a signal, and tsx passes the terminal's Ctrl-C on too, so a second signal must
// not cut the first one's teardown short.

import type { Lab } from '../../src/lab/index.js';

/**
 * Tears `lab` down on the first SIGINT or SIGTERM (after `before`, e.g. closing clients; then
 * `after`), then exits. Returns what takes the handlers off again (before an ordinary teardown).
 */
export function removeLabOnSignal(lab: Pick<Lab, 'destroy'>, before: () => void = () => {}, after: () => void = () => {}): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: removing the lab`);
    before();
    void lab.destroy().finally(() => {
      after();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
