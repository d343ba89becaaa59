#!/usr/bin/env python3
"""Run a command with stdout on a pipe whose read end is closed, and exit
with its status (128+N when a signal N killed it); its stderr passes
through.  usage: closed-pipe.py CMD [ARGS...]"""
import os
import subprocess
import sys

r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stdin=subprocess.DEVNULL)
sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)
