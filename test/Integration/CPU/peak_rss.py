#!/usr/bin/env python3
"""Runs a command and checks its peak resident memory against a budget.

    peak_rss.py --budget-mb N -- CMD ARGS...

Prints `peak_rss_mb=R budget_mb=N ok` (or `... OVER`) and exits 1 when the
command fails or its peak RSS (the child's ru_maxrss) exceeds the budget.
"""

import argparse
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget-mb", type=float, required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux
    within = peak_mb <= args.budget_mb
    print(f"peak_rss_mb={peak_mb:.0f} budget_mb={args.budget_mb:.0f} "
          f"{'ok' if within else 'OVER'}")
    if rc != 0:
        print(f"command failed with exit code {rc}", file=sys.stderr)
        return 1
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
