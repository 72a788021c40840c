"""Fork server for Debian's aws CLI, so that each `aws` a rehearsal step runs skips the CLI's
~0.8 CPU-s of Python imports: it imports what /usr/bin/aws imports once, then forks a child per
invocation that takes the caller's stdin/stdout/stderr, argv, environment and working directory and
runs the CLI's own entry point (awscli.clidriver.main), exactly as /usr/bin/aws would.

Usage: /usr/bin/python3 server.py <socket-path>. Prints "ready" once it listens.
Protocol (client.py): the client sends a 4-byte big-endian length with its fds 0, 1 and 2 attached
(SCM_RIGHTS), then that many bytes of JSON {argv, env, cwd}; the server answers the child's pid
(4 bytes), and the child answers its exit status (4 bytes) when the CLI returns.
"""

import json
import os
import signal
import socket
import struct
import sys
import threading

import awscli.clidriver

# The CLI imports its handlers (every customization) on each start; importing them here is what
# saves the time.
import awscli.handlers  # noqa: F401

# The one thing importing awscli does to the environment: it appends its own data directory to
# AWS_DATA_PATH (unset in the server, so the value is just that directory).
AWS_DATA_PATH = os.environ["AWS_DATA_PATH"]


def receive_exactly(connection, size):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("client went away")
        data += chunk
    return data


def run_cli(connection):
    header, fds, _flags, _address = socket.recv_fds(connection, 4, 3)
    (length,) = struct.unpack("!I", header)
    request = json.loads(receive_exactly(connection, length))
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    if "AWS_DATA_PATH" in request["env"]:
        sys.stderr.write("aws (rehearsal): AWS_DATA_PATH is not supported by the CLI fork server\n")
        connection.sendall(struct.pack("!i", os.getpid()) + struct.pack("!i", 255))
        os._exit(255)
    os.environ.clear()
    os.environ.update(request["env"], AWS_DATA_PATH=AWS_DATA_PATH)
    sys.argv = request["argv"]
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    connection.sendall(struct.pack("!i", os.getpid()))
    # What /usr/bin/aws does before calling the driver.
    if os.environ.get("LC_CTYPE", "") == "UTF-8":
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    try:
        status = awscli.clidriver.main()
    except SystemExit as exit_request:
        status = exit_request.code
    if not isinstance(status, int):
        status = 0 if status is None else 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass
    connection.sendall(struct.pack("!i", status))
    os._exit(status)


def reap(_signum, _frame):
    try:
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass
    except ChildProcessError:
        pass


def exit_with_parent():
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    path = sys.argv[1]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    # Children are reaped (their status goes back over the connection), so that their CPU time is
    # accounted to this server and through it to the rehearsal, as a separate `aws` process would be.
    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The rehearsal holds the other end of stdin: when it goes away (even killed), so does the server.
    threading.Thread(target=exit_with_parent, daemon=True).start()
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            try:
                run_cli(connection)
            except BaseException:  # noqa: BLE001 - the child must never return into the accept loop
                os._exit(255)
        connection.close()


if __name__ == "__main__":
    main()
