// The demo's web server on each node: answers every request with the node's name, so the client
// can count who served it. Run inside the node's namespace:
//
//   node dist/demo/http-server.js --name node1 --address 203.0.113.10 --port 80 --lab <lab id>
//
// (--lab only labels the process, so `ps` shows which lab it belongs to.)
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    address: { type: 'string' },
    port: { type: 'string', default: '80' },
    lab: { type: 'string' },
  },
});
const name = values.name;
const address = values.address;
const port = Number(values.port);
if (name === undefined || address === undefined || !Number.isInteger(port)) {
  process.stderr.write('usage: http-server.js --name NAME --address IP [--port N] [--lab ID]\n');
  process.exitCode = 2;
} else {
  let served = 0;
  const server = createServer((_req, res) => {
    served += 1;
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end(`${name}\n`);
  });
  server.on('error', (e) => {
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exitCode = 1;
  });
  server.listen(port, address, () => process.stdout.write(`${name}: listening on ${address}:${port}\n`));
  const stop = (): void => {
    process.stdout.write(`${name}: served ${served} requests; stopping\n`);
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
