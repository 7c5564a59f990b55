#!/usr/bin/env python3
"""bench/snap.py - CPU time of server processes and database counters, before and
after a measurement (scenario p of bench/run.sh; docs/BENCHMARKS.md, "A pool").

  snap.py take OUT.json [--cpu NAME=PIDFILE ...] [--db NAME=SOCKET ...]
      NAME=PIDFILE: user + system CPU time of the process in PIDFILE and of every
      process of its session (the servers are started with setsid: Kamailio's
      children are in its session; a process's threads are in its own figures);
      NAME=SOCKET: SHOW GLOBAL STATUS counters of the MariaDB on SOCKET (DB_VARS);
      and the machine's busy CPU time (/proc/stat), whoever spent it.
  snap.py diff BEFORE.json AFTER.json
      one JSON object of the differences, flat: cpu_<NAME>_s, db_<NAME>_<var>,
      machine_busy_s, snap_wall_s (bench/run.sh merges it into the run's line).
A part whose pid file is missing or whose database does not answer is left out, and
the diff says so (snap_missing): a figure is never made up.
"""
import json
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")
# what a post writes: rows, transactions, redo log, flushes; on Galera also the
# write-sets this node sent (replicated) and applied (received), and conflicts
# (MariaDB 10.11 has no Innodb_rows_*: Handler_write/update/delete count the rows, a
# Galera node's applied ones included; Com_* the statements of this node's clients)
DB_VARS = ("Handler_write", "Handler_update", "Handler_delete", "Com_insert", "Com_insert_select",
           "Com_update", "Com_delete", "Com_replace", "Handler_commit", "Com_commit",
           "Innodb_os_log_written", "Innodb_data_fsyncs",
           "wsrep_replicated", "wsrep_replicated_bytes", "wsrep_received",
           "wsrep_local_cert_failures", "wsrep_local_bf_aborts")


def stat_fields(pid):
    """/proc/PID/stat after the command name: fields 3.. of proc(5), from index 0."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def session_cpu_s(leader):
    """CPU seconds (user + system) of every process in the session of LEADER."""
    ticks, found = 0, False
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            f = stat_fields(d)
        except OSError:
            continue  # gone meanwhile
        # f[3] is field 6 (session), f[11], f[12] fields 14, 15 (utime, stime)
        if int(f[3]) == leader or int(d) == leader:
            ticks += int(f[11]) + int(f[12])
            found = True
    return ticks / TICK if found else None


def machine_busy_s():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICK  # all but idle and iowait


def db_status(sock):
    q = "SHOW GLOBAL STATUS WHERE Variable_name IN (%s)" % ",".join("'%s'" % v for v in DB_VARS)
    try:
        out = subprocess.run(["mysql", "--no-defaults", f"--socket={sock}", "-uroot", "-N", "-B",
                              "-e", q], capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {k: int(v) for k, v in (line.split("\t") for line in out.splitlines()) if v.isdigit()}


def pair(arg):
    name, _, value = arg.partition("=")
    if not name or not value:
        sys.exit(f"snap.py: '{arg}' is not NAME=VALUE")
    return name, value


def take(out, args):
    snap = {"t": time.time(), "machine_busy_s": machine_busy_s(), "cpu": {}, "db": {}}
    kind = None
    for a in args:
        if a in ("--cpu", "--db"):
            kind = a
            continue
        if kind is None:
            sys.exit(f"snap.py: '{a}' before --cpu or --db")
        name, value = pair(a)
        if kind == "--cpu":
            try:
                pid = int(open(value).read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            snap["cpu"][name] = session_cpu_s(pid)
        else:
            snap["db"][name] = db_status(value)
    with open(out, "w") as f:
        json.dump(snap, f)


def diff(before_file, after_file):
    b, a = json.load(open(before_file)), json.load(open(after_file))
    d = {"snap_wall_s": round(a["t"] - b["t"], 3),
         "machine_busy_s": round(a["machine_busy_s"] - b["machine_busy_s"], 2)}
    missing = []
    for name in sorted(set(b["cpu"]) | set(a["cpu"])):
        x, y = b["cpu"].get(name), a["cpu"].get(name)
        if x is None or y is None:
            missing.append(name)
        else:
            d[f"cpu_{name}_s"] = round(y - x, 2)
    for name in sorted(set(b["db"]) | set(a["db"])):
        x, y = b["db"].get(name), a["db"].get(name)
        if not x or not y:
            missing.append(name)
            continue
        for var in DB_VARS:
            if var in x and var in y:
                d[f"db_{name}_{var}"] = y[var] - x[var]
    if missing:
        d["snap_missing"] = missing
    print(json.dumps(d))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "take":
        take(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "diff":
        diff(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
