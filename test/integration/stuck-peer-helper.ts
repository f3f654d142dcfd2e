// A "stuck router" for test/integration/stuck-peer.test.ts: a BGP peer on a raw TCP socket that
// completes OPEN/KEEPALIVE with the speaker and then never reads again, keeping the connection
// open. Runs as its own process inside a lab namespace (the test process lives in the host's):
//
//   ip netns exec NS node --import tsx test/integration/stuck-peer-helper.ts ADDRESS ASN
//
// It listens on ADDRESS:179 and takes ONE connection, then stops listening (so the speaker's
// reconnects are refused and its report of why the session went down stays put). Prints one line
// per thing that happened:
//   LISTENING                      ready for the speaker to connect
//   ESTABLISHED                    OPEN and KEEPALIVE exchanged; reading stops now
//   NOTIFICATION <code> <subcode>  (after SIGUSR2) the speaker's NOTIFICATION, if it got through
//   CLOSED <octets>                (after SIGUSR2) the stuck connection ended; octets read after resuming
//                                  (the speaker's NOTIFICATION gets through only if its backlog drains in time)
//   ESTABLISHED 2                  (after SIGUSR2) a new session, as a peer that reads everything
//   END-OF-RIB <prefixes>          the new session's whole table arrived: this many prefixes
// SIGUSR2 (SIGUSR1 belongs to Node's inspector) resumes reading the stuck connection and listens again.

import net from 'node:net';
import { DEFAULT_CONTEXT, Framer, decodeMessage, encodeMessage, endOfRibFamily, type BgpMessage, type CodecContext } from '../../src/codec/index.js';

const [address, asnText] = process.argv.slice(2);
if (address === undefined || asnText === undefined) {
  console.error('usage: stuck-peer-helper ADDRESS ASN');
  process.exit(2);
}
const asn = Number(asnText);

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Does the OPEN handshake on `socket`, then calls `established`; every later message goes to `onMessage`. */
function speak(socket: net.Socket, established: () => void, onMessage: (m: BgpMessage) => void): void {
  const framer = new Framer();
  let ctx: CodecContext = DEFAULT_CONTEXT;
  let state: 'open' | 'keepalive' | 'up' = 'open';
  socket.on('data', (chunk: Buffer) => {
    for (const raw of framer.push(chunk)) {
      const m = decodeMessage(raw, ctx);
      if (state === 'up') {
        onMessage(m);
      } else if (state === 'open' && m.type === 'open') {
        // Hold time 0: no keepalives either way (RFC 4271 4.2), so silence is not what ends the session.
        const open: BgpMessage = {
          type: 'open',
          version: 4,
          myAs: asn,
          holdTime: 0,
          bgpId: address!,
          capabilities: [
            { type: 'multiprotocol', afi: 1, safi: 1 },
            { type: 'four-octet-as', asn },
          ],
        };
        socket.write(encodeMessage(open, DEFAULT_CONTEXT));
        socket.write(encodeMessage({ type: 'keepalive' }, DEFAULT_CONTEXT));
        ctx = { ...DEFAULT_CONTEXT, fourOctetAs: true };
        state = 'keepalive';
      } else if (state === 'keepalive' && m.type === 'keepalive') {
        state = 'up';
        established();
      } else if (m.type === 'notification') {
        say(`NOTIFICATION ${m.code} ${m.subcode}`);
      }
    }
  });
  socket.on('error', () => undefined); // the close that follows says enough
}

let stuck: net.Socket | undefined;
let sessions = 0;
const server = net.createServer((socket) => {
  sessions++;
  if (sessions === 1) {
    stuck = socket;
    // One session only until SIGUSR2: later connections of the speaker are refused.
    server.close();
    speak(
      socket,
      () => {
        socket.pause(); // from here on the kernel's buffers fill and nothing drains them
        say('ESTABLISHED');
      },
      (m) => {
        if (m.type === 'notification') say(`NOTIFICATION ${m.code} ${m.subcode}`);
      },
    );
    return;
  }
  // A later session: an ordinary peer that reads everything and counts the table.
  let prefixes = 0;
  speak(
    socket,
    () => say(`ESTABLISHED ${sessions}`),
    (m) => {
      if (m.type === 'update') {
        prefixes += m.nlri.length;
        if (endOfRibFamily(m) === 'ipv4-unicast') say(`END-OF-RIB ${prefixes}`);
      } else if (m.type === 'notification') {
        say(`NOTIFICATION ${m.code} ${m.subcode}`);
      }
    },
  );
});
server.listen({ host: address, port: 179 }, () => say('LISTENING'));

process.on('SIGUSR2', () => {
  const s = stuck;
  if (s !== undefined) {
    let octets = 0;
    s.on('data', (chunk: Buffer) => (octets += chunk.length));
    s.once('close', () => say(`CLOSED ${octets}`));
    s.resume();
  }
  if (!server.listening) server.listen({ host: address, port: 179 }, () => say('LISTENING'));
});
process.on('SIGTERM', () => process.exit(0));
// A paused socket is no live handle to libuv: once the listener closes, nothing else would keep
// the process (and so the connection) alive.
setInterval(() => undefined, 1 << 30);
