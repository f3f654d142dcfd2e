// The Announcer API client for programs (an LB controller, the CLI): domain types, promises, and
// ApiError for every failure. Everything gRPC stays behind src/api.

export {
  ApiError,
  connectClient,
  type ApiClient,
  type ApiErrorCode,
  type ClientOptions,
  type ClientTlsOptions,
  type EventWatch,
} from './api/client.js';
export type { AnnouncedPath, PathAttributes, PeerStateName, PeerStatus } from './rib/types.js';
export type { PathFilter, PathInput, PathSelector, ReplaceResult, SpeakerEvent } from './speaker/api.js';
