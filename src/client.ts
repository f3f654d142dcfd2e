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
  type HealthStatus,
} from './api/client.js';
export { PathSet, plainPath } from './api/replace-parts.js';
export { attributeFields, type AttributeField } from './attributes/table.js';
export type { HealthCheckDetail, HealthEffect, HealthState, HealthTargetStatus, PathAttributes, PathHealth } from './speaker/api.js';
export type { PeerGracefulRestartStatus, PeerReach, PeerShutdownOutcome, PrefixReach, SetSize } from './speaker/api.js';
export type { AddedPath, AddedPaths, AddOptions, AddOutcome, DrainStatus, AnnouncedPath, PathFilter, PathInput, PathSelector, PeerStatus, ReplaceResult, SpeakerEvent, StateName } from './speaker/api.js';
