/**
 * The network-namespace lab in one import path: the Lab itself (lab.ts), running commands and
 * polling (run.ts), tracked processes (process.ts), talking to BIRD (bird.ts), the router's and a
 * stand-in speaker's BIRD configs (bird-config.ts, speaker-config.ts), and address helpers.
 */
export { compareAddresses, hostPrefix, type IpVersion } from './addresses.js';
export {
  birdc,
  birdProtocols,
  checkBirdConfig,
  waitForEstablished,
  type Bird,
  type BirdProtocol,
} from './bird.js';
export {
  CENTRAL_EXAMPLE,
  PER_NODE_EXAMPLE,
  routerConfig,
  type BirdAddPaths,
  type RouterConfigOptions,
  type RouterPeer,
} from './bird-config.js';
export {
  destroyDetached,
  Lab,
  type DetachedLab,
  type LabClient,
  type LabNode,
  type LabOptions,
  type LabRouter,
} from './lab.js';
export { LabProcess, type ExitStatus } from './process.js';
export { run, sleep, waitFor, type ExecOptions, type ExecResult, type WaitOptions } from './run.js';
export { speakerConfig, type SpeakerConfigOptions, type SpeakerPeer, type SpeakerRoute } from './speaker-config.js';
