"""The `aws` of a rehearsal step: hands argv, environment, working directory and stdio to the fork
server (server.py) and exits with the CLI's status. Signals the step receives (the runner's SIGINT,
then SIGTERM, on cancellation) are passed on to the CLI process.

Usage: /usr/bin/python3 -I -S client.py <socket-path> <aws arguments...>
"""

import json
import os
import signal
import socket
import struct
import sys


def receive_exactly(connection, size):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def main():
    path = sys.argv[1]
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    request = json.dumps(
        {"argv": ["aws", *sys.argv[2:]], "env": dict(os.environ), "cwd": os.getcwd()}
    ).encode()
    socket.send_fds(connection, [struct.pack("!I", len(request))], [0, 1, 2])
    connection.sendall(request)
    pid_bytes = receive_exactly(connection, 4)
    if pid_bytes is None:
        sys.stderr.write("aws: the rehearsal's aws CLI server did not start the CLI\n")
        return 255
    (pid,) = struct.unpack("!i", pid_bytes)

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    status = receive_exactly(connection, 4)
    # No status: the CLI process was killed; report it as the shell reports a SIGKILLed command.
    return 137 if status is None else struct.unpack("!i", status)[0]


if __name__ == "__main__":
    sys.exit(main())
