#!/usr/bin/env python3
"""Run a command on a new terminal (a pty, its controlling terminal),
type PASSWORD and a newline once it asks "Password" (or "Passphrase")
and ^D once it
has written UNTIL, and copy all it
writes to the terminal to stdout; exit with its status.  Every wait is
bounded (10 s); the command is killed at the end.

usage: proxy-pty.py PASSWORD UNTIL -- COMMAND...
"""
import os
import pty
import select
import sys
import time

password = sys.argv[1]
until = sys.argv[2].encode()
cmd = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
seen = b""
typed = False
ended = False
status = None
end = time.monotonic() + 10
while time.monotonic() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            b = os.read(fd, 4096)
        except OSError:
            b = b""
        if b:
            seen += b
            if not typed and (b"Password" in seen or
                              b"Passphrase" in seen):
                os.write(fd, password.encode() + b"\n")
                typed = True
            elif typed and until in seen and not ended:
                os.write(fd, b"\x04")          # stdin's EOF
                ended = True
            continue
    wpid, st = os.waitpid(pid, os.WNOHANG)
    if wpid == pid:
        status = os.waitstatus_to_exitcode(st)
        break
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    status = 124
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(status)
