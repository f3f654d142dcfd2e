// The demo's web server on each node: answers every request with the node's name, so the client
// can count who served it, and /healthz with 200 (503 while its health is failed: SIGUSR1 fails
// it, SIGUSR2 restores it, for health checks to see). Run inside the node's namespace:
//
//   node dist/demo/http-server.js --name node1 --address 203.0.113.10 --address 198.51.100.11 --port 80 --lab <lab id>
//
// (every --address is listened on; --lab only labels the process, so `ps` shows which lab it belongs to.)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    address: { type: 'string', multiple: true },
    port: { type: 'string', default: '80' },
    lab: { type: 'string' },
  },
});
const name = values.name;
const addresses = values.address ?? [];
const port = Number(values.port);
if (name === undefined || addresses.length === 0 || !Number.isInteger(port)) {
  process.stderr.write('usage: http-server.js --name NAME --address IP [--address IP]... [--port N] [--lab ID]\n');
  process.exitCode = 2;
} else {
  let served = 0;
  let healthy = true;
  process.on('SIGUSR1', () => {
    healthy = false;
    process.stdout.write(`${name}: /healthz fails now\n`);
  });
  process.on('SIGUSR2', () => {
    healthy = true;
    process.stdout.write(`${name}: /healthz passes again\n`);
  });
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/healthz') {
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain', connection: 'close' });
      res.end(healthy ? 'ok\n' : 'failing\n');
      return;
    }
    served += 1;
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end(`${name}\n`);
  };
  const servers = addresses.map((address) => {
    const server = createServer(handle);
    server.on('error', (e) => {
      process.stderr.write(`${name}: ${address}: ${e.message}\n`);
      process.exitCode = 1;
    });
    return { server, address };
  });
  let listening = 0;
  for (const { server, address } of servers) {
    server.listen(port, address, () => {
      if (++listening === servers.length) process.stdout.write(`${name}: listening on ${addresses.map((a) => `${a}:${port}`).join(', ')}\n`);
    });
  }
  const stop = (): void => {
    process.stdout.write(`${name}: served ${served} requests; stopping\n`);
    for (const { server } of servers) {
      server.close();
      server.closeAllConnections();
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
