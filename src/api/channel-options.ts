// gRPC channel settings shared by the server and the client.

import type { ChannelOptions } from '@grpc/grpc-js';

/**
 * Tables travel in parts (ReplacePaths and ListPaths are streams), so no message holds a table.
 * 8 MiB leaves room for an AddPath of about 100,000 paths and its answer.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};
