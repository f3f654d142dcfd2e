// Benchmark: API latency for a 100,000-path table (or another size) over the unix socket, against a real speaker
// with no peers (what a controller's calls cost, without BGP). Only prints; asserts nothing.
//
//   npm run bench:api            (100,000 paths)
//   npm run bench:api -- 1000000 (whole tables go through the streamed ReplacePaths)

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../src/api/server.js';
import { connectClient } from '../../src/client.js';
import { silentLogger } from '../../src/log.js';
import { Speaker } from '../../src/speaker/speaker.js';

const COUNT = Number(process.argv[2] ?? 100_000);
const dir = await mkdtemp(join(tmpdir(), 'ann-bench-api-'));
const speaker = new Speaker({ asn: 65000, routerId: '192.0.2.1', nextHop: '198.51.100.11', peers: [] }, silentLogger);
await speaker.start();
const api = await startApiServer(speaker, { socket: join(dir, 'api.sock') });
const client = connectClient(api.address, { timeoutMs: 120_000 });
const table = Array.from({ length: COUNT }, (_, i) => ({ prefix: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32` }));
const time = async (f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};
console.log(`API latency, ${COUNT} paths, unix socket, node ${process.version}`);
const mib = () => (process.memoryUsage().rss / 1048576).toFixed(0);
for (let round = 1; round <= 3; round++) {
  await speaker.replacePaths('bench', []);
  await speaker.deletePaths({ prefix: '203.0.113.10' }).catch(() => {});
  // AddPath is one message (8 MiB cap): whole tables go through ReplacePaths.
  const direct = COUNT <= 100_000 ? await time(() => speaker.addPaths(table)) : NaN;
  const add = COUNT <= 100_000 ? await time(() => client.addPaths(table)) : NaN;
  const replace = await time(() => client.replacePaths('bench', table));
  const again = await time(() => client.replacePaths('bench', table));
  const list = await time(() => client.listPaths());
  const one = await time(() => client.addPaths([{ prefix: '203.0.113.10' }]));
  const peers = await time(() => client.listPeers());
  console.log(
    `round ${round}: speaker.addPaths ${direct.toFixed(0)} ms | AddPath ${add.toFixed(0)} ms | ReplacePaths ${replace.toFixed(0)} ms | ` +
      `same again ${again.toFixed(0)} ms | ListPaths ${list.toFixed(0)} ms | AddPath(1) ${one.toFixed(1)} ms | ListPeers ${peers.toFixed(1)} ms | RSS ${mib()} MiB`,
  );
}
client.close();
await api.close();
await speaker.stop();
await rm(dir, { recursive: true, force: true });
