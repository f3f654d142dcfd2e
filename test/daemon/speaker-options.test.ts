// A peer's settings reach the session whole (issue 23): the config's peer is the session's shape
// plus only what is the config's own (passwordFile), checked by the compiler, and a config that
// sets every optional peer field gives the speaker a peer with every field.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PeerConfig } from '../../src/config.js';
import { speakerOptions } from '../../src/daemon/speaker-options.js';
import type { PeerSessionConfig } from '../../src/session/peer-session.js';
import type { PeerSettings } from '../../src/session/peer-settings.js';
import type { SpeakerOptions } from '../../src/speaker/speaker.js';

/** True only when A and B are the same type (not merely assignable one way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// Compile-time (tsc -p tsconfig.json): a field of the config's peer that the session does not take
// makes one of these `false`, and the assignment of `true` fails.
const configIsSettingsPlusKeyFile: Same<Omit<PeerConfig, 'passwordFile'>, PeerSettings> = true;
const sessionTakesTheSettings: Same<PeerSessionConfig, PeerSettings> = true;
const speakerTakesTheSettings: Same<SpeakerOptions['peers'][number], PeerSettings> = true;
const configOnly: Same<Exclude<keyof PeerConfig, keyof PeerSessionConfig>, 'passwordFile'> = true;

/** Every field of a peer's settings; the compiler makes a new field be listed here (and so set below). */
const EVERY_FIELD = {
  name: true,
  address: true,
  asn: true,
  port: true,
  passive: true,
  holdTime: true,
  connectRetry: true,
  localAddress: true,
  families: true,
  addPath: true,
  sendHoldTime: true,
  gracefulRestart: true,
  password: true,
  ttlSecurity: true,
  multihop: true,
  bfd: true,
  shutdownMessage: true,
  defaults: true,
} as const satisfies Record<keyof PeerSettings, true>;

const PEER = `
peers:
  - address: 198.51.100.1
    asn: 65001
    name: router1
    port: 1179
    passive: true
    holdTime: 30
    connectRetry: 7
    localAddress: 198.51.100.2
    families: [ipv4-unicast]
    addPath: send
    sendHoldTime: 600
    gracefulRestart: { restartTime: 60 }
    passwordFile: KEYFILE
    ttlSecurity: true
    multihop: 2
    bfd: { minRx: 100, minTx: 200, multiplier: 4 }
    shutdownMessage: node drained
    defaults: { communities: [65000:1], prepend: 3 }
`;

describe('speakerOptions: a peer from the config to the session', () => {
  let dir: string;
  let keyFile: string;
  let configFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'speaker-options-'));
    keyFile = join(dir, 'bgp.key');
    configFile = join(dir, 'announcer.yaml');
    await writeFile(keyFile, 's3cret\n');
    await writeFile(configFile, `asn: 65000\nrouterId: 198.51.100.2\nlisten: { port: 179 }\n${PEER.replace('KEYFILE', keyFile)}`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the types line up (checked by tsc)', () => {
    expect([configIsSettingsPlusKeyFile, sessionTakesTheSettings, speakerTakesTheSettings, configOnly]).toEqual([true, true, true, true]);
  });

  it('passes every field of a peer that sets them all, and keeps the key file to the config', async () => {
    const config = await loadConfig(configFile);
    const peer = config.peers[0]!;
    // The config itself set every field (else this test would not prove the copy).
    expect(Object.keys(peer).sort()).toEqual([...Object.keys(EVERY_FIELD), 'passwordFile'].sort());
    expect(peer.password).toBe('s3cret');

    const [session] = speakerOptions(config).peers;
    expect(Object.keys(session!).sort()).toEqual(Object.keys(EVERY_FIELD).sort());
    const { passwordFile, ...settings } = peer;
    expect(passwordFile).toBe(keyFile);
    expect(session).toEqual(settings);
  });
});
