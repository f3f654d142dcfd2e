// The raw-socket limit for test/bench/side.ts: the least a BGP speaker can do. It encodes the whole
// table into UPDATEs before any session exists, then waits for the router to connect, does OPEN and
// KEEPALIVE, and writes the bytes as fast as the socket takes them. What BIRD makes of that is
// BIRD's own intake limit; no speaker can beat it over this link.
//
//   ip netns exec NS node --import tsx test/bench/side/raw-sender.ts \
//     --listen 198.51.100.11 --asn 65000 --next-hop 198.51.100.11 --count 100000
//
// Prints `ready <encode ms> <messages> <octets>` once encoded and listening, then `established` and
// `sent <ms>` (when the socket took the last byte), and runs, sending KEEPALIVEs, until killed.

import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import {
  decodeMessage,
  DEFAULT_CONTEXT,
  encodeMessage,
  endOfRib,
  Framer,
  IpAddress,
  packAnnouncements,
  Prefix,
  type CodecContext,
} from '../../../src/codec/index.js';
import { prefixes } from './prefixes.js';

const { values } = parseArgs({
  options: {
    listen: { type: 'string' },
    asn: { type: 'string', default: '65000' },
    'next-hop': { type: 'string' },
    count: { type: 'string' },
  },
});
const listen = values.listen ?? fail('--listen ADDRESS is required');
const asn = Number(values.asn);
const nextHop = IpAddress.parse(values['next-hop'] ?? listen) ?? fail('--next-hop (or --listen) must be an IPv4 address');
const count = Number(values.count ?? fail('--count N is required'));
const HOLD_TIME = 90;

function fail(message: string): never {
  process.stderr.write(`raw-sender: ${message}\n`);
  process.exit(2);
}

// Both sides offer 4-octet AS (BIRD always does), no ADD-PATH, no Extended Message (BIRD's default
// is off): the context the UPDATEs are encoded for, before the session confirms it.
const ctx: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };

// Parsed once, as any edge does; the encode time below is the codec's alone.
const nlri = prefixes(count).map((text) => ({ prefix: Prefix.parse(text) ?? fail(`${text} is not a prefix`) }));
const t0 = performance.now();
const messages = packAnnouncements(
  {
    family: 'ipv4-unicast',
    nextHop,
    attributes: [
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: [{ kind: 'sequence', asns: [asn] }] },
    ],
    nlri,
  },
  ctx,
);
messages.push(encodeMessage(endOfRib('ipv4-unicast'), ctx));
// One contiguous buffer: a single write hands the kernel as much as it will take at a time.
const table = Buffer.concat(messages);
const encodeMs = performance.now() - t0;

function session(socket: Socket): void {
  socket.setNoDelay(true);
  const framer = new Framer();
  let established = false;
  socket.write(
    encodeMessage(
      {
        type: 'open',
        version: 4,
        myAs: asn > 0xffff ? 23456 : asn,
        holdTime: HOLD_TIME,
        bgpId: listen,
        capabilities: [
          { type: 'multiprotocol', afi: 1, safi: 1 },
          { type: 'four-octet-as', asn },
        ],
      },
      DEFAULT_CONTEXT,
    ),
  );
  socket.on('data', (chunk: Buffer) => {
    for (const bytes of framer.push(chunk)) {
      const msg = decodeMessage(bytes, established ? ctx : DEFAULT_CONTEXT);
      if (msg.type === 'open') {
        if (!msg.capabilities.some((c) => c.type === 'four-octet-as')) fail('the peer does not offer 4-octet AS');
        socket.write(encodeMessage({ type: 'keepalive' }, DEFAULT_CONTEXT));
      } else if (msg.type === 'keepalive' && !established) {
        established = true; // OPENs exchanged and confirmed: RFC 4271 8.2.2, OpenConfirm -> Established
        void send(socket);
      } else if (msg.type === 'notification') {
        fail(`NOTIFICATION ${msg.code}/${msg.subcode} ${msg.shutdownMessage ?? msg.data}`);
      }
    }
  });
  socket.on('error', (e) => fail(e.message));
  socket.on('close', () => fail('the peer closed the session'));
}

async function send(socket: Socket): Promise<void> {
  process.stdout.write('established\n');
  setInterval(() => socket.write(encodeMessage({ type: 'keepalive' }, DEFAULT_CONTEXT)), (HOLD_TIME / 3) * 1000);
  const t = performance.now();
  if (!socket.write(table)) await new Promise((resolve) => socket.once('drain', resolve));
  process.stdout.write(`sent ${(performance.now() - t).toFixed(0)}\n`);
}

// One session only: the router is the only peer, and a second connection would be a collision.
const server = createServer((socket) => {
  server.close();
  session(socket);
});
server.listen(179, listen, () => {
  process.stdout.write(`ready ${encodeMs.toFixed(0)} ${messages.length} ${table.length}\n`);
});
