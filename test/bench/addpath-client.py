#!/usr/bin/env python3
"""AddPath of one new path at a time, COUNT times, as a controller with a lean gRPC client would
call it: gRPC's C core (Debian's python3-grpcio), no generated code. Prints the sorted latencies
in milliseconds as a JSON list. Used by `test/bench/api.ts --python-client`.

    /usr/bin/python3 test/bench/addpath-client.py unix:/path/to/api.sock 3000
"""
import json
import sys
import time

import grpc


def field(number: int, value: bytes) -> bytes:
    """A length-delimited protobuf field (every value here is shorter than 128 octets)."""
    return bytes([number << 3 | 2, len(value)]) + value


def main() -> None:
    address, count = sys.argv[1], int(sys.argv[2])
    channel = grpc.insecure_channel(address)
    # Requests go as bytes: announcer.v1.AddPathRequest { paths: [Path { prefix = 1, owner = 7 }] }.
    add_path = channel.unary_unary('/announcer.v1.Announcer/AddPath')
    channel.unary_unary('/announcer.v1.Announcer/ListPeers')(b'', timeout=60)  # connected before timing
    latencies = []
    for i in range(count):
        path = field(1, f'203.0.{112 + (i >> 8)}.{i & 255}'.encode()) + field(7, b'bench-one')
        request = field(1, path)
        t0 = time.perf_counter()
        add_path(request, timeout=60)
        latencies.append((time.perf_counter() - t0) * 1000)
    channel.close()
    latencies.sort()
    print(json.dumps(latencies))


if __name__ == '__main__':
    main()
