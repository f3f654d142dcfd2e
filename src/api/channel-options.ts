// gRPC channel settings shared by the server and the client.

import type { ChannelOptions } from '@grpc/grpc-js';

/**
 * grpc-js refuses messages over 4 MiB by default; a full table (the benchmarks aim at 1,000,000
 * paths) is far larger. The API is a local control channel, so the cap is generous.
 */
export const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};
