/**
 * `npm run interop:table`: the interop table of docs/interop.md from the interop runs' own results
 * ($TMPDIR/announcer-interop/<receiver>.json, written by every receiver's suite), between that
 * file's `<!-- interop:start -->` and `<!-- interop:end -->` markers. Run it after `npm test`.
 * Refuses to write a table with a receiver missing or a scenario failed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bird16Receiver } from './bird16.js';
import { bird2Receiver } from './bird2.js';
import { exabgpReceiver } from './exabgp.js';
import { frrReceiver } from './frr.js';
import { gobgpReceiver } from './gobgp.js';
import type { Receiver } from './receiver.js';
import { resultsDir, type ReceiverResults } from './results.js';

const RECEIVERS: readonly Receiver[] = [bird2Receiver, bird16Receiver, frrReceiver, gobgpReceiver, exabgpReceiver];
const TABLE_FILE = fileURLToPath(new URL('../../../docs/interop.md', import.meta.url));
const START = '<!-- interop:start -->';
const END = '<!-- interop:end -->';

function load(id: string): ReceiverResults {
  const file = join(resultsDir(), `${id}.json`);
  if (!existsSync(file)) throw new Error(`no results for ${id} (${file}): run its interop tests first (npm test)`);
  return JSON.parse(readFileSync(file, 'utf8')) as ReceiverResults;
}

export function interopTable(all: readonly ReceiverResults[], receivers: readonly Receiver[]): string {
  const mark = (r: ReceiverResults, id: string): string => {
    const s = r.scenarios.find((x) => x.id === id);
    if (!s) return '?';
    return s.outcome === 'passed' ? 'yes' : s.outcome === 'failed' ? '**FAILED**' : 'n/a';
  };
  const lines = [
    '| receiver | version | scenarios passed |',
    '|---|---|---|',
    ...all.map((r) => {
      const passed = r.scenarios.filter((s) => s.outcome === 'passed').length;
      const applicable = r.scenarios.filter((s) => s.outcome !== 'not applicable');
      const na = r.scenarios.filter((s) => s.outcome === 'not applicable').map((s) => `${s.id}: ${s.why}`);
      return `| ${r.receiver} | ${r.version} | ${passed} of ${applicable.length}${na.length ? ` (not applicable: ${na.join('; ')})` : ''} |`;
    }),
    '',
    `| scenario | ${all.map((r) => r.receiver).join(' | ')} |`,
    `|---|${all.map(() => '---').join('|')}|`,
    // Every suite records every scenario (not applicable ones too), in the scenario table's order.
    ...(all[0]?.scenarios ?? []).map((s) => `| ${s.title} | ${all.map((r) => mark(r, s.id)).join(' | ')} |`),
    '',
    'What the scenarios checked differs where the receivers do:',
    '',
    `| | ${receivers.map((r) => r.name).join(' | ')} |`,
    `|---|${receivers.map(() => '---').join('|')}|`,
    `| routes in its kernel table checked too (ECMP) | ${receivers.map((r) => (r.kernel ? 'yes' : 'no kernel')).join(' | ')} |`,
    `| Extended Message (RFC 8654): a path over 4,096 octets | ${receivers.map((r) => (r.extendedMessage ? 'sent' : 'held back, session kept')).join(' | ')} |`,
  ];
  return lines.join('\n');
}

function main(): void {
  const all = RECEIVERS.map((r) => load(r.id));
  const failed = all.flatMap((r) => r.scenarios.filter((s) => s.outcome === 'failed').map((s) => `${r.receiver}: ${s.title}`));
  if (failed.length) throw new Error(`failed scenarios, fix them before publishing a table:\n${failed.join('\n')}`);
  const text = readFileSync(TABLE_FILE, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/interop.md has no ${START} ... ${END} section`);
  const stamp = `Produced by \`npm run interop:table\` from the interop tests' results of ${all.map((r) => r.at.slice(0, 10)).sort().at(-1)}.`;
  writeFileSync(TABLE_FILE, `${text.slice(0, a + START.length)}\n${interopTable(all, RECEIVERS)}\n\n${stamp}\n${text.slice(b)}`);
  console.log(`docs/interop.md: interop table for ${all.map((r) => `${r.receiver} ${r.version}`).join(', ')}`);
}

main();
