// The daemon's YAML config: parsed with `yaml`, checked with a zod schema, returned fully defaulted
// and frozen. Every problem is reported at once, each naming its field (`peers[1].asn: ...`), in
// the order it appears in the file, so one edit-and-retry fixes them all.
// This file is the facade: the parts live in src/config/ (types, problems, fields, health-checks,
// sections, load), and importers keep to this one.

export {
  DEFAULT_API_SOCKET,
  DEFAULT_BGP_PORT,
  DEFAULT_METRICS_ADDRESS,
  DEFAULT_SOCKET_MODE,
  type ApiEndpoint,
  type ApiTlsConfig,
  type BfdProcessConfig,
  type Config,
  type HealthCheckConfig,
  type ListenConfig,
  type LogLevel,
  type MetricsConfig,
  type PeerConfig,
  type SigtermMode,
} from './config/types.js';
export { ConfigError, type ConfigProblem } from './config/problems.js';
export { loadConfig, parseConfig, type ConfigEnv } from './config/load.js';
