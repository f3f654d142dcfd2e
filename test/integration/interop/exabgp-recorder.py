#!/usr/bin/env python3
"""The API process exabgp.ts gives ExaBGP: records what ExaBGP reports, forwards commands to it.

ExaBGP writes one JSON object a line to this process's stdin (updates, neighbor state changes);
every byte is appended to RECORD as it arrives, after a {"type": "recorder-start"} line that marks a
new ExaBGP run. Whatever is written to the named pipe COMMANDS is passed on to stdout, which ExaBGP
reads as API commands (e.g. "neighbor 198.51.100.11 announce route-refresh ipv4 unicast").
It exits when ExaBGP closes its stdin.

usage: exabgp-recorder.py RECORD COMMANDS
"""
import os
import select
import sys


def main() -> None:
    record_path, commands_path = sys.argv[1], sys.argv[2]
    stdin = sys.stdin.fileno()
    stdout = sys.stdout.fileno()
    # Read-write, so the pipe never reports end-of-file while no writer has it open.
    commands = os.open(commands_path, os.O_RDWR | os.O_NONBLOCK)
    record = os.open(record_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(record, b'{"type": "recorder-start"}\n')
    while True:
        ready, _, _ = select.select([stdin, commands], [], [])
        if stdin in ready:
            chunk = os.read(stdin, 65536)
            if not chunk:
                return
            os.write(record, chunk)
        if commands in ready:
            chunk = os.read(commands, 65536)
            if chunk:
                os.write(stdout, chunk)


if __name__ == '__main__':
    main()
