#!/usr/bin/env python3
"""bench.py - the driver half of `make bench` (standard library only).

  bench.py ramp OUT --tag k=v... --kind dstm|perfdhcp [--start R] [--max R]
           [--steps N] [--first N] [--first-next] -- CMD...
      offered-load ramp: run CMD once per step with {rate} (and {first},
      the first client index) filled in; double the rate while the step
      meets the criterion, then bisect between the last good and the
      first bad rate.  A step is good when at most 2.5% of the offered
      requests failed (Kea's criterion) and it completed at least 90% of
      the offered rate; the best rate is the highest completed rate of a
      step within 2.5% failures.
  bench.py udpramp OUT --tag k=v... --rx SHELLCMD --tx SHELLCMD [--steps N]
           [--cpus 0,1]
      packets/s through a path: first as fast as the sender can (the
      delivered rate at saturation), then bisect for the highest offered
      rate delivered with at most 0.1% loss.  {rate} in --tx; --rx is
      started first and prints "ready".  --cpus: how busy those CPUs
      were during each step (/proc/stat: everyone's work, a hint of
      saturation or of other load).
  bench.py udpcpu OUT --tag k=v... --rx SHELLCMD --tx SHELLCMD --rate R
           --cpus 0,1 [--pids "PID..."]
      CPU time per packet at one fixed offered rate: the CPU time of the
      sender and receiver (udp_flow's cpu_us), of every thread of PIDs
      (the daemons) and of those CPUs' ksoftirqd, divided by the packets
      received.  Meant with RPS off (see cmd_udpcpu).
  bench.py table PART FILE      print one part's table
  bench.py final DIR JSON PNG   merge DIR/*.jsonl and DIR/machine.json into
                                JSON, plot lease rates into PNG, print the
                                summary table
"""
import json
import math
import os
import re
import subprocess
import sys
import time

MAX_FAIL = 2.5          # percent, perfdhcp/Kea's criterion
MIN_DONE = 0.9          # completed / offered for a step to count as good


def emit(path, rec):
    with open(path, "a") as f:
        f.write(json.dumps(rec, sort_keys=True) + "\n")


def load(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def tags_of(pairs):
    """k=v pairs; a v of digits is a number"""
    t = {}
    for p in pairs or []:
        k, _, v = p.partition("=")
        t[k] = int(v) if v.isdigit() else v
    return t


def round2(x):
    """two significant digits: 1000, 1500, 12000 ..."""
    if x <= 0:
        return 0
    e = int(math.floor(math.log10(x))) - 1
    return int(round(x / 10 ** e) * 10 ** e)


def last_json(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def parse_perfdhcp(text):
    m = re.search(r"Rate: ([\d.]+) 4-way", text)
    blocks = re.split(r"\*\*\*Statistics for: ", text)
    st = {}
    for b in blocks[1:]:
        name = b.split("*", 1)[0]
        d = {}
        for key, pat in (("sent", r"sent packets: (\d+)"),
                         ("received", r"received packets: (\d+)"),
                         ("avg_ms", r"avg delay: ([\d.]+) ms"),
                         ("max_ms", r"max delay: ([\d.]+) ms")):
            mm = re.search(pat, b)
            d[key] = float(mm.group(1)) if mm else 0.0
        st[name] = d
    do, ra = st.get("DISCOVER-OFFER"), st.get("REQUEST-ACK")
    if m is None or do is None or ra is None:
        return None
    offered = int(do["sent"])
    ok = int(ra["received"])
    return {"rate": float(m.group(1)), "offered": offered, "ok": ok,
            "fail_pct": 100.0 * (offered - ok) / offered if offered else 100.0,
            "avg_us": round((do["avg_ms"] + ra["avg_ms"]) * 1000),
            "max_us": round(max(do["max_ms"], ra["max_ms"]) * 1000),
            "do_received": int(do["received"]), "ra_sent": int(ra["sent"])}


def fmt_rate(x):
    return "{:,.0f}".format(x) if x is not None else "-"


def ms(us):
    return "-" if us is None else "%.2f" % (us / 1000.0)


# ---------------------------------------------------------------- ramps

def cmd_ramp(a):
    out, kind, cmd = a["out"], a["kind"], a["cmd"]
    tags = tags_of(a["tag"])
    rate, first = a["start"], a["first"]
    good = bad = None
    steps = []
    label = " ".join(tags.get(k, "") for k in ("server", "transport", "mix",
                                               "journal")).strip()
    print("    %-28s" % label, end="", flush=True)
    for _ in range(a["steps"]):
        argv = [c.replace("{rate}", str(rate)).replace("{first}", str(first))
                for c in cmd]
        try:
            p = subprocess.run(argv, capture_output=True, text=True,
                               timeout=a["timeout"])
            text = p.stdout + p.stderr
        except subprocess.TimeoutExpired:
            text = ""
        r = parse_perfdhcp(text) if kind == "perfdhcp" else last_json(text)
        if r is None:
            print(" [step at %d/s failed: %s]" % (rate, text.strip()[-200:]))
            break
        if a["first_next"] and "next" in r:
            first = r["next"]
        r["offered_rate"] = rate
        r["good"] = r["fail_pct"] <= MAX_FAIL and r["rate"] >= MIN_DONE * rate
        r["within"] = r["fail_pct"] <= MAX_FAIL
        steps.append(r)
        emit(out, dict(tags, type="step", **r))
        print(" %s%s" % (fmt_rate(rate), "+" if r["good"] else "-"), end="",
              flush=True)
        if r["good"]:
            good = rate
        else:
            bad = rate
        if bad is None:
            nxt = rate * 2
        elif good is None:
            nxt = rate // 2
        elif bad <= good * 1.15:
            break
        else:
            nxt = (good + bad) // 2
        nxt = round2(nxt)
        if nxt > a["max"] or nxt < 50 or nxt in (good, bad):
            break
        rate = nxt
        time.sleep(a["pause"])
    within = [s for s in steps if s["within"]]
    best = max(within, key=lambda s: s["rate"]) if within else None
    rec = dict(tags, type="best", steps=len(steps))
    if best:
        rec.update({k: best.get(k) for k in (
            "rate", "offered_rate", "fail_pct", "avg_us", "p50_us", "p99_us",
            "max_us")})
    emit(out, rec)
    print("  best %s/s" % fmt_rate(best["rate"] if best else None))


HZ = os.sysconf("SC_CLK_TCK")


def cpu_busy(cpus):
    """{cpu: busy seconds} from /proc/stat: user, nice, system, irq and
    softirq (not idle, iowait, or steal: time the hypervisor gave to
    someone else)"""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            w = line.split()
            if w[0].startswith("cpu") and w[0][3:].isdigit() and \
                    int(w[0][3:]) in cpus:
                v = list(map(int, w[1:9]))
                out[int(w[0][3:])] = (v[0] + v[1] + v[2] + v[5] + v[6]) / HZ
    return out


def cpu_fields(cpus, b0, b1, secs):
    """how busy each CPU was over a step (/proc/stat, everyone's work)"""
    return {"cpu%d_busy_pct" % c: round(100.0 * (b1[c] - b0[c]) / secs, 1)
            if secs else 0 for c in cpus}


def task_ns(pids):
    """CPU time (ns, scheduler's sum_exec_runtime) of every thread of
    these processes"""
    tot = 0
    for pid in pids:
        try:
            for t in os.listdir("/proc/%d/task" % pid):
                with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                    tot += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return tot


def softirqd_pids(cpus):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().strip() in ["ksoftirqd/%d" % c for c in cpus]:
                        out.append(int(d))
            except OSError:
                pass
    return out


def run_udp_step(rx, tx, rate, cpus=None, pids=None):
    rxp = subprocess.Popen(["bash", "-c", rx], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    first = rxp.stdout.readline()          # {"ready":true}
    if "ready" not in first:
        rxp.kill()
        return None
    pids, kpids = pids or [], softirqd_pids(cpus or [])
    b0, t0 = cpu_busy(cpus or []), time.monotonic()
    p0, k0 = task_ns(pids), task_ns(kpids)
    t = subprocess.run(["bash", "-c", tx.replace("{rate}", str(rate))],
                       capture_output=True, text=True, timeout=120)
    b1, t1 = cpu_busy(cpus or []), time.monotonic()
    p1, k1 = task_ns(pids), task_ns(kpids)
    try:
        rest, _ = rxp.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        rxp.kill()
        rest = ""
    s, r = last_json(t.stdout), last_json(rest)
    if s is None or r is None:
        return None
    lost = s["sent"] - r["received"]
    rec = {"offered_pps": rate, "sent": s["sent"], "sent_pps": s["pps"],
           "received": r["received"], "pps": r["pps"], "mbps": r["mbps"],
           "lost": lost, "loss_pct": 100.0 * lost / s["sent"] if s["sent"]
           else 100.0, "reordered": r["reordered"],
           "lat_p50_us": r["lat_p50_us"], "lat_p99_us": r["lat_p99_us"],
           "lat_max_us": r["lat_max_us"]}
    if cpus:
        rec.update(cpu_fields(cpus, b0, b1, t1 - t0))
    rec.update(tx_cpu_us=s.get("cpu_us"), rx_cpu_us=r.get("cpu_us"),
               daemons_cpu_us=(p1 - p0) // 1000,
               softirqd_cpu_us=(k1 - k0) // 1000)
    return rec


def cpus_of(a):
    return [int(c) for c in a["cpus"].split(",") if c != ""] \
        if a.get("cpus") else None


def cmd_udpcpu(a):
    """CPU time per packet of one path at a fixed rate: the sender's and
    the receiver's own time (getrusage), the daemons' threads and the
    ksoftirqd threads of the pinned CPUs (schedstat).  The caller turns
    RPS off, so the kernel's receive and forwarding work runs in the
    context of the task that sent the packet and is charged to it, not to
    whatever else (other sessions' jobs) happened to run on the other
    core.  Other processes' load does not enter it."""
    out, tags, cpus = a["out"], tags_of(a["tag"]), cpus_of(a) or []
    pids = [int(p) for p in a.get("pids", "").split()]
    label = "%s %s B" % (row_key(tags), tags.get("payload", ""))
    print("    %-20s" % label, end="", flush=True)
    r = run_udp_step(a["rx"], a["tx"], a["rate"], cpus, pids)
    if r is None or not r["received"] or r.get("tx_cpu_us") is None:
        print(" [failed]")
        emit(out, dict(tags, type="cpu", error="step failed"))
        return
    n = r["received"]
    per = lambda us: round(us * 1000.0 / n)
    r.update(cpu_sender_ns_per_pkt=per(r["tx_cpu_us"]),
             cpu_receiver_ns_per_pkt=per(r["rx_cpu_us"]),
             cpu_daemons_ns_per_pkt=per(r["daemons_cpu_us"]),
             cpu_softirqd_ns_per_pkt=per(r["softirqd_cpu_us"]),
             cpu_ns_per_pkt=per(r["tx_cpu_us"] + r["rx_cpu_us"] +
                                r["daemons_cpu_us"] + r["softirqd_cpu_us"]))
    emit(out, dict(tags, type="cpu", **r))
    print(" %s pkt/s offered, %.2f%% lost: %s ns/pkt (sender %s, receiver "
          "%s, daemons %s, ksoftirqd %s)" % (
              fmt_rate(a["rate"]), r["loss_pct"], r["cpu_ns_per_pkt"],
              r["cpu_sender_ns_per_pkt"], r["cpu_receiver_ns_per_pkt"],
              r["cpu_daemons_ns_per_pkt"], r["cpu_softirqd_ns_per_pkt"]))


def cmd_udpramp(a):
    out, tags, cpus = a["out"], tags_of(a["tag"]), cpus_of(a)
    label = "%s %s B" % (row_key(tags), tags.get("payload", ""))
    print("    %-20s" % label, end="", flush=True)
    sat = run_udp_step(a["rx"], a["tx"], 0, cpus)
    if sat is None:
        print(" [failed]")
        emit(out, dict(tags, type="best", error="step failed"))
        return
    emit(out, dict(tags, type="step", **sat))
    print(" max %s pps (%.1f%% lost);" % (fmt_rate(sat["pps"]),
                                          sat["loss_pct"]), end="", flush=True)
    lo, hi, best = 0, int(sat["sent_pps"] * 1.05), None
    rate = round2(sat["pps"] * 0.9)
    for _ in range(a["steps"]):
        r = run_udp_step(a["rx"], a["tx"], rate, cpus)
        if r is None:
            break
        emit(out, dict(tags, type="step", **r))
        ok = r["loss_pct"] <= 0.1 and r["sent_pps"] >= 0.95 * rate
        print(" %s%s" % (fmt_rate(rate), "+" if ok else "-"), end="",
              flush=True)
        if ok:
            lo, best = rate, r
        else:
            hi = rate
        if hi <= lo * 1.1:
            break
        rate = round2((lo + hi) / 2 if lo else rate / 2)
        if rate in (lo, hi) or rate < 100:
            break
    rec = dict(tags, type="best", max_pps=sat["pps"], max_loss_pct=sat[
        "loss_pct"], max_mbps=sat["mbps"])
    if best:
        rec.update(nodrop_pps=best["pps"], nodrop_offered=best["offered_pps"],
                   nodrop_mbps=best["mbps"], lat_p50_us=best["lat_p50_us"],
                   lat_p99_us=best["lat_p99_us"])
    emit(out, rec)
    print("  <=0.1%% loss: %s pps" % fmt_rate(best["pps"] if best else None))


# ---------------------------------------------------------------- tables

def table(rows, head, align=None):
    cols = list(zip(*([head] + rows))) if rows else [[h] for h in head]
    w = [max(len(str(x)) for x in c) for c in cols]
    align = align or ["<"] + [">"] * (len(head) - 1)
    line = lambda r: "  " + "  ".join(
        ("{:%s%d}" % (al, wd)).format(str(x)) for x, al, wd in zip(r, align, w))
    print(line(head))
    print("  " + "  ".join("-" * x for x in w))
    for r in rows:
        print(line(r))


def lease_bests(recs):
    return [r for r in recs if r.get("type") == "best"]


def find(recs, **kw):
    for r in recs:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def ratio(a, b):
    if a is None or b is None or not b:
        return "-"
    return "%.2fx" % (a / b)


def table_lease_rate(recs):
    rows = []
    for r in lease_bests(recs):
        rows.append([r.get("server"), r.get("transport"), r.get("mix"),
                     r.get("journal"), fmt_rate(r.get("rate")),
                     fmt_rate(r.get("offered_rate")),
                     "-" if r.get("fail_pct") is None else "%.2f" % r["fail_pct"],
                     ms(r.get("avg_us")), ms(r.get("p50_us")),
                     ms(r.get("p99_us")), r.get("steps")])
    table(rows, ["server", "transport", "mix", "journal", "best ops/s",
                 "offered/s", "fail %", "avg ms", "p50 ms", "p99 ms", "steps"],
          ["<", "<", "<", "<", ">", ">", ">", ">", ">", ">", ">"])
    kea = find(recs, type="best", server="kea")
    if kea and kea.get("rate"):
        print()
        for tr in ("udp6", "tcp6"):
            for j in ("sync", "nosync"):
                d = find(recs, type="best", server="dstm", transport=tr,
                         mix="alloc", journal=j)
                if d and d.get("rate"):
                    print("  dstm/Kea  ALLOC %s journal %-6s  %8s/s / %s/s = %s"
                          % (tr, j, fmt_rate(d["rate"]), fmt_rate(kea["rate"]),
                             ratio(d["rate"], kea["rate"])))


def scale_servers(recs):
    """server records, each with bytes_per_lease_marginal: the extra RSS
    per extra lease from the size before (the pool is sized to the leases
    and its table is allocated at start, so this is lease + pool slot)"""
    out, prev = [], None
    for r in [x for x in recs if x.get("type") == "server"]:
        r["bytes_per_lease_marginal"] = None
        if prev and r["leases"] > prev["leases"]:
            r["bytes_per_lease_marginal"] = round(
                (r["rss_full_kb"] - prev["rss_full_kb"]) * 1024.0 /
                (r["leases"] - prev["leases"]), 1)
        prev = r
        out.append(r)
    return out


def table_scale(recs):
    rows = []
    for r in scale_servers(recs):
        m = r["bytes_per_lease_marginal"]
        marg = "-" if m is None else "%.0f" % m
        rows.append(["{:,}".format(r["leases"]),
                     "%.1f" % (r["rss_empty_kb"] / 1024.0),
                     "%.1f" % (r["rss_full_kb"] / 1024.0), marg,
                     fmt_rate(r["fill_rate"]), ms(r["fill_p99_us"]),
                     "%s/%s" % (ms(r["probe_p50_us"]), ms(r["probe_p99_us"])),
                     "%s/%s" % (ms(r.get("probex_p50_us")),
                                ms(r.get("probex_p99_us"))),
                     "%.1f" % (r["journal_bytes"] / 1048576.0),
                     "%.1f" % r["compact_ms"], "%.1f" % r["replay_ms"],
                     "%.0f" % r["restart_ms"]])
    table(rows, ["leases", "RSS empty MB", "RSS full MB", "B/lease",
                 "fill/s", "fill p99", "alloc seq p50/99",
                 "alloc scr p50/99",
                 "journal MB", "compact ms", "replay ms", "restart ms"])
    print("  (times in ms; B/lease = extra RSS per extra lease from the size "
          "above: the pool is\n   sized to the leases and its table is "
          "allocated at start, so this is lease + pool slot;\n   alloc seq/scr:"
          " one client process, addresses in sequence / scrambled)")
    rows = []
    for r in [x for x in recs if x.get("type") == "binding"]:
        rows.append(["{:,}".format(r["bindings"]),
                     "%.1f" % (r["rss_kb"] / 1024.0),
                     "%.0f" % r["bytes_per_binding"],
                     "%.0f" % r["add_ns"], "%.0f" % r["lookup4_ns"],
                     "%.0f" % r["lookup6_ns"], "%.0f" % r["update_ns"]])
    if rows:
        print()
        table(rows, ["bindings", "RSS MB", "B/binding", "add ns",
                     "lookup4 ns", "lookup6 ns", "unbind/bind ns"])


def row_key(r):
    """native, or the backend a tunnel row was measured with (results
    from before there were backends: tun)"""
    if r.get("path") == "tunnel":
        return r.get("backend") or "tun"
    return r.get("path", "")


def dp_keys(recs):
    """native first, then the backends in the order they ran"""
    keys = []
    for r in recs:
        k = row_key(r)
        if r.get("type") in ("best", "cpu") and k and k not in keys:
            keys.append(k)
    return sorted(keys, key=lambda k: k != "native")


def dp_find(recs, key, **kw):
    for r in recs:
        if row_key(r) == key and all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def dp_rounds(recs, key, test):
    """the "best" records of every round of one test on one path"""
    return sorted([r for r in recs if row_key(r) == key and
                   r.get("type") == "best" and r.get("test") == test],
                  key=lambda r: r.get("round", 1))


def dp_best(recs, key, test, field):
    """the round with the highest FIELD: the machine's other load only
    ever takes rate away"""
    rs = [r for r in dp_rounds(recs, key, test) if r.get(field) is not None]
    return max(rs, key=lambda r: r[field]) if rs else None


TCP_TESTS = (("tcp", "TCP up (c1 -> v4), iperf3"),
             ("tcp_down", "TCP down (v4 -> c1), iperf3"))


def table_dataplane(recs):
    keys = dp_keys(recs)
    native = bool(keys) and keys[0] == "native"
    tunnels = [k for k in keys if k != "native"] if native else []
    rows = []

    def line(name, unit, vals, fmt, ratios=True):
        """a row: one value per path, then each tunnel / native"""
        cells = [fmt(v) if v is not None else "-" for v in vals]
        rat = [ratio(v, vals[0]) if ratios else "" for v in vals[1:]] \
            if native else []
        rows.append([name, unit] + cells + rat)

    nround = max([r.get("round", 1) for r in recs] or [1])

    def each(test, field, fmt):
        if nround > 1:
            line("    each round", "", [" / ".join(
                fmt(r[field]) if r.get(field) is not None else "-"
                for r in dp_rounds(recs, k, test)) for k in keys],
                 str, False)

    for size in ("64", "1400"):
        best = [dp_best(recs, k, "udp" + size, "nodrop_pps") or {}
                for k in keys]
        line("UDP %s B, <=0.1%% loss" % size, "pkt/s",
             [b.get("nodrop_pps") for b in best], fmt_rate)
        each("udp" + size, "nodrop_pps", fmt_rate)
        line("  the same in Mbit/s", "Mbit/s",
             [b.get("nodrop_mbps") for b in best], lambda v: "%.0f" % v,
             False)
        line("  unpaced sender: delivered", "pkt/s",
             [(dp_best(recs, k, "udp" + size, "max_pps") or {}).get(
                 "max_pps") for k in keys], fmt_rate, False)
    for test, name in TCP_TESTS:
        line(name, "Mbit/s", [(dp_best(recs, k, test, "mbps") or {}).get(
            "mbps") for k in keys], lambda v: "%.0f" % v)
        each(test, "mbps", lambda v: "%.0f" % v)
    cpu = [dp_find(recs, k, type="cpu") or {} for k in keys]
    rate = next((c.get("offered_pps") for c in cpu if c), None)
    if rate:
        line("CPU per packet, 64 B at %s pkt/s" % fmt_rate(rate), "ns",
             [c.get("cpu_ns_per_pkt") for c in cpu], lambda v: "%.0f" % v)
        for part in ("sender", "receiver", "daemons", "softirqd"):
            line("  %s" % {"softirqd": "ksoftirqd"}.get(part, part), "ns",
                 [c.get("cpu_%s_ns_per_pkt" % part) for c in cpu],
                 lambda v: "%.0f" % v, False)
    table(rows, ["measurement", "unit"] + keys +
          ["%s/native" % k for k in tunnels],
          ["<", "<"] + [">"] * (len(keys) + len(tunnels)))
    if nround > 1:
        print("  (best of %d rounds, every path measured in turn in each "
              "round; the machine's other\n   load only takes rate away)"
              % nround)
    print("  (unpaced: the sender as fast as it goes, a picture of overload, "
          "not compared;\n   CPU: the CPU time of our own tasks per packet "
          "received, RPS off so the kernel's\n   work runs in the sending "
          "task's context: sender = its system calls and all the\n   "
          "kernel forwarding done inline; daemons = rpcd + rpcdstmd)")
    for r in [x for x in recs if x.get("type") == "fastpath"]:
        print("  %s: %s" % (r.get("backend"), ", ".join(
            "%s %s" % (k, "{:,}".format(v)) for k, v in
            sorted(r.get("counters", {}).items()))))


def churn_source(r):
    if r.get("source") == "maps":
        return "maps (%s bindings)" % "{:,}".format(r.get("bindings", 0))
    return "server"


def table_churn(recs):
    rows = []
    for r in [x for x in recs if x.get("type") == "flow"]:
        moved = r.get("gateway_counters") or {}
        rows.append([r.get("backend", "tun"), churn_source(r), r["phase"],
                     fmt_rate(r.get("updates_per_s")),
                     fmt_rate(r["flow_pps"]), "{:,}".format(r["sent"]),
                     "{:,}".format(r["lost"]), "%.3f" % r["loss_pct"],
                     r["reordered"], "%.0f" % r["lat_p50_us"],
                     "%.0f" % r["lat_p99_us"], "%.0f" % r["lat_max_us"],
                     " ".join("%s=%s" % (k.replace("gateway.", ""), v)
                              for k, v in sorted(moved.items())) or "-"])
    table(rows, ["backend", "churn source", "phase", "updates/s",
                 "flow pkt/s", "sent", "lost", "loss %", "reord", "p50 us",
                 "p99 us", "max us", "counters moved"],
          ["<", "<", "<"] + [">"] * 9 + ["<"])
    for r in [x for x in recs if x.get("type") == "server_alone"]:
        print("  the server alone, gateway off, same load: %s updates/s "
              "(p50 %s us, p99 %s us)" % (fmt_rate(r.get("updates_per_s")),
                                          r.get("update_p50_us"),
                                          r.get("update_p99_us")))


def kbpf_rows(recs):
    """per size: the maps, the flow's loss-free rate in every round (the
    sizes were measured in turns), the churn; ratios to the first size,
    round by round and of the best rounds"""
    out = []
    for m in [x for x in recs if x.get("type") == "maps"]:
        n = m["bindings"]
        udp = sorted([x for x in recs if x.get("type") == "best" and
                      x.get("test") == "udp64" and x.get("bindings") == n],
                     key=lambda x: x.get("round", 1))
        pps = [u.get("nodrop_pps") or 0 for u in udp]
        ch = find(recs, type="flow", phase="churn", bindings=n) or {}
        out.append(dict(m, pps=pps, best_pps=max(pps) if pps else None,
                        churn=ch))
    for r in out:
        b = out[0]
        r["rounds_ratio"] = [x / y if y else None
                             for x, y in zip(r["pps"], b["pps"])]
        r["ratio"] = (r["best_pps"] / b["best_pps"]
                      if r["best_pps"] and b["best_pps"] else None)
    return out


def table_kbpf(recs):
    rows, prev = [], None
    kb = kbpf_rows(recs)
    for r in kb:
        marg = "-"
        if prev and r["bindings"] > prev["bindings"]:
            marg = "%.0f" % ((r["memlock_total"] - prev["memlock_total"]) /
                             (r["bindings"] - prev["bindings"]))
        ch = r["churn"]
        rows.append(["{:,}".format(r["bindings"]),
                     "%.1f" % (r["memlock_total"] / 1048576.0),
                     "%.1f" % (r["memlock_elems"] / 1048576.0), marg,
                     fmt_rate(r.get("fill_per_s")),
                     " / ".join(fmt_rate(p) for p in r["pps"]),
                     " / ".join("-" if x is None else "%.2f" % x
                                for x in r["rounds_ratio"]),
                     "-" if r["ratio"] is None else "%.2fx" % r["ratio"],
                     fmt_rate(ch.get("updates_per_s")),
                     "%s / %s" % ("{:,}".format(ch["lost"]),
                                  "{:,}".format(ch["sent"])) if ch else "-"])
        prev = r
    table(rows, ["bindings", "maps MB", "hash elems MB", "B/binding",
                 "fill/s", "UDP 64 B pkt/s by round", "x first by round",
                 "x first", "churn upd/s", "flow lost/sent"])
    if kb:
        print("  (maps MB: memlock of every map of the gateway program, "
              "%s slots: the per-CPU\n   counters and the hash buckets are "
              "fixed, the hash maps' elements grow with the\n   bindings; "
              "B/binding: extra memlock per extra binding; x first: best "
              "round\n   against the first size's best round)"
              % "{:,}".format(kb[0]["slots"]))


def table_compaction(recs):
    rows = []
    cs = [r for r in recs if r.get("type") == "compaction"]
    for r in cs:
        rows.append([r["mode"], "{:,}".format(r["leases"]),
                     fmt_rate(r.get("offered_rate")), fmt_rate(r.get("rate")),
                     "%.2f" % r.get("fail_pct", 0), ms(r.get("p50_us")),
                     ms(r.get("p99_us")), ms(r.get("p999_us")),
                     ms(r.get("max_us")), r.get("compactions")])
    table(rows, ["compaction", "leases", "offered/s", "done/s", "fail %",
                 "p50 ms", "p99 ms", "p99.9 ms", "max ms", "compactions"])
    a, b = find(cs, mode="inline"), find(cs, mode="thread")
    if a and b:
        print("  thread/inline: p99.9 %s, max %s (below 1: the thread "
              "is better); none: the same step, no compaction" % (
                  ratio(b.get("p999_us"), a.get("p999_us")),
                  ratio(b.get("max_us"), a.get("max_us"))))


TABLES = {"lease_rate": table_lease_rate, "scale": table_scale,
          "dataplane": table_dataplane, "churn": table_churn,
          "kbpf": table_kbpf, "compaction": table_compaction}


# ---------------------------------------------------------------- final

def colors(files):
    """Kea in black, dstm series in distinct colours"""
    pal = iter(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#17becf"])
    return ["black" if n.startswith("Kea") else next(pal) for n, _ in files]


def plot(recs, png, machine):
    series = []
    for b in lease_bests(recs):
        if b.get("mix") not in ("alloc", "DORA"):
            continue
        pts = sorted((s["offered_rate"], s["rate"], s["fail_pct"] <= MAX_FAIL)
                     for s in recs if s.get("type") == "step" and all(
                         s.get(k) == b.get(k) for k in
                         ("server", "transport", "mix", "journal")))
        if pts:
            name = ("Kea DORA (memfile, no fsync)" if b["server"] == "kea"
                    else "dstm ALLOC %s, journal %s" % (b["transport"],
                                                       b["journal"]))
            series.append((name, pts))
    if not series:
        return False
    d = os.path.dirname(png) or "."
    files = []
    for i, (name, pts) in enumerate(series):
        f = os.path.join(d, ".plot%d.dat" % i)
        with open(f, "w") as fh:
            for x, y, ok in pts:
                fh.write("%g %g %d\n" % (x, y, ok))
        files.append((name, f))
    hi = max(p[0] for _, pts in series for p in pts)
    script = [
        "set terminal pngcairo size 1000,640 font ',10'",
        "set output '%s'" % png,
        "set title 'Lease rate: completed vs offered (%s, %s CPUs, commit %s)'"
        % (machine.get("date", ""), machine.get("cpus", "?"),
           machine.get("commit", "?")),
        "set xlabel 'offered requests/s (log)'",
        "set ylabel 'completed leases/s (log)'",
        "set logscale xy", "set grid", "set key top left",
        "set xrange [500:%g]" % (hi * 1.5), "set yrange [500:%g]" % (hi * 1.5),
        "set label 1 'open circles: more than 2.5% of the requests failed' "
        "at graph 0.98, graph 0.04 right",
        "plot x title 'offered = completed' with lines dt 2 lc 'gray', " +
        ", ".join("'%s' using 1:2 title '%s' with lines lc rgb '%s' lw %s, "
                  "'' using 1:($3 > 0 ? $2 : 1/0) notitle with points pt 7 "
                  "lc rgb '%s', '' using 1:($3 > 0 ? 1/0 : $2) notitle with "
                  "points pt 6 ps 1.5 lc rgb '%s'" % (
                      f, n, c, "2.5" if n.startswith("Kea") else "1.5", c, c)
                  for (n, f), c in zip(files, colors(files)))]
    p = subprocess.run(["gnuplot"], input="\n".join(script), text=True,
                       capture_output=True)
    for _, f in files:
        os.unlink(f)
    if p.returncode != 0:
        print("  plot failed: " + p.stderr.strip()[-300:])
        if os.path.exists(png):
            os.unlink(png)
    return p.returncode == 0


def cmd_final(d, out_json, png):
    machine = json.load(open(os.path.join(d, "machine.json")))
    doc = {"machine": machine, "parts": {}}
    for part in ("lease_rate", "scale", "compaction", "dataplane", "churn",
                 "kbpf"):
        doc["parts"][part] = load(os.path.join(d, part + ".jsonl"))
    notes = os.path.join(d, "notes.jsonl")
    doc["notes"] = [r["note"] for r in load(notes)]
    plotted = plot(doc["parts"]["lease_rate"], png, machine)
    if plotted:
        doc["plot"] = os.path.basename(png)
    with open(out_json, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    summary(doc)
    print()
    print("  figures: %s" % out_json)
    if plotted:
        print("  plot:    %s" % png)


def summary(doc):
    m = doc["machine"]
    P = doc["parts"]
    print("dstm bench summary - %s, commit %s%s, %s CPUs (%s), kernel %s, %s"
          % (m.get("date"), m.get("commit"), " (dirty)" if m.get("dirty")
             else "", m.get("cpus"), m.get("cpu_model"), m.get("kernel"),
             "FULL" if m.get("full") else "quick"))
    rows = []
    lr = P["lease_rate"]
    kea = find(lr, type="best", server="kea")
    kr = kea.get("rate") if kea else None
    for tr in ("udp6", "tcp6"):
        for j in ("sync", "nosync"):
            r = find(lr, type="best", server="dstm", mix="alloc",
                     transport=tr, journal=j)
            if r:
                rows.append(["1 lease rate", "ALLOC %s journal %s" % (tr, j),
                             fmt_rate(r.get("rate")) + "/s",
                             "Kea %s/s" % fmt_rate(kr), ratio(r.get("rate"),
                                                              kr)])
    for r in scale_servers(P["scale"]):
        m = r["bytes_per_lease_marginal"]
        rows.append(["2 scale", "{:,} leases".format(r["leases"]),
                     "%salloc p50 %s ms (scrambled %s)" % (
                         "" if m is None else "%.0f B/lease, " % m,
                         ms(r["probe_p50_us"]), ms(r.get("probex_p50_us"))),
                     "restart %.0f ms" % r["restart_ms"], ""])
    for r in [x for x in P["scale"] if x.get("type") == "binding"]:
        rows.append(["2 scale", "{:,} bindings".format(r["bindings"]),
                     "%.0f B/binding" % r["bytes_per_binding"],
                     "lookup4 %.0f ns, lookup6 %.0f ns" % (
                         r["lookup4_ns"], r["lookup6_ns"]), ""])
    cs = [x for x in P.get("compaction", []) if x.get("type") ==
          "compaction"]
    a, b = find(cs, mode="inline"), find(cs, mode="thread")
    if a and b:
        rows.append(["2 scale", "RENEW during a compaction, {:,} leases"
                     .format(b["leases"]),
                     "thread p99.9 %s ms, max %s ms" % (
                         ms(b.get("p999_us")), ms(b.get("max_us"))),
                     "inline p99.9 %s ms, max %s ms" % (
                         ms(a.get("p999_us")), ms(a.get("max_us"))),
                     ratio(b.get("p999_us"), a.get("p999_us"))])
    kb = kbpf_rows(P.get("kbpf", []))
    if kb:
        first, last = kb[0], max(kb, key=lambda r: r["bindings"])
        rows.append(["2 scale", "%s / %s bindings in the BPF maps" % (
            "{:,}".format(first["bindings"]), "{:,}".format(last["bindings"])),
            "%.0f B per binding (%.0f MB at %s)" % (
                (last["memlock_total"] - first["memlock_total"]) /
                max(1, last["bindings"] - first["bindings"]),
                last["memlock_total"] / 1048576.0,
                "{:,}".format(last["bindings"])),
            "UDP 64 B %s / %s pkt/s (best of %d)" % (
                fmt_rate(first["best_pps"]), fmt_rate(last["best_pps"]),
                len(last["pps"])),
            ratio(last["best_pps"], first["best_pps"])])
    dp = P["dataplane"]
    keys = [k for k in dp_keys(dp) if k != "native"]
    for what, unit in (("udp64", "pkt/s"), ("udp1400", "pkt/s"),
                       ("tcp", "Mbit/s"), ("tcp_down", "Mbit/s")):
        k = "mbps" if what.startswith("tcp") else "nodrop_pps"
        n = dp_best(dp, "native", what, k)
        nv = n and n.get(k)
        name = {"tcp": "TCP up, iperf3", "tcp_down": "TCP down, iperf3"}.get(
            what, "UDP %s B, <=0.1%% loss" % what[3:])
        for key in keys:
            t = dp_best(dp, key, what, k)
            tv = t and t.get(k)
            if tv is None and nv is None:
                continue
            rows.append(["3 data plane", name,
                         "%s %s %s" % (key, fmt_rate(tv), unit),
                         "native %s %s" % (fmt_rate(nv), unit),
                         ratio(tv, nv)])
    n = dp_find(dp, "native", type="cpu")
    for key in keys:
        c = dp_find(dp, key, type="cpu")
        if c and c.get("cpu_ns_per_pkt") is not None:
            rows.append(["3 data plane", "CPU per packet, 64 B at %s/s" %
                         fmt_rate(c["offered_pps"]), "%s %s ns" % (
                             key, "{:,}".format(c["cpu_ns_per_pkt"])),
                         "native %s ns" % "{:,}".format(
                             (n or {}).get("cpu_ns_per_pkt", 0)),
                         ratio(c["cpu_ns_per_pkt"],
                               (n or {}).get("cpu_ns_per_pkt"))])
    for r in [x for x in P["churn"] if x.get("type") == "server_alone"]:
        rows.append(["4 churn", "server alone, gateway off",
                     "%s updates/s" % fmt_rate(r.get("updates_per_s")),
                     "no flow", ""])
    for r in [x for x in P["churn"] if x.get("type") == "flow"]:
        if r["phase"] == "churn":
            rows.append(["4 churn", "%s, %s" % (r.get("backend", "tun"),
                                                churn_source(r)),
                         "%s updates/s" % fmt_rate(r.get("updates_per_s")),
                         "flow lost %d of %s" % (r["lost"],
                                                 "{:,}".format(r["sent"])),
                         ""])
    table(rows, ["part", "measurement", "dstm", "reference", "ratio"],
          ["<", "<", "<", "<", ">"])
    for n in doc.get("notes", []):
        print("  note: " + n)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    op = argv[1]
    if op in ("ramp", "udpramp", "udpcpu"):
        a = {"out": argv[2], "tag": [], "kind": "dstm", "start": 1000,
             "max": 1000000, "steps": 10, "first": 0, "first_next": False,
             "timeout": 120, "pause": 0.3, "rx": "", "tx": "", "cmd": []}
        i = 3
        while i < len(argv):
            k = argv[i]
            if k == "--":
                a["cmd"] = argv[i + 1:]
                break
            if k == "--first-next":
                a["first_next"] = True
                i += 1
                continue
            key = k[2:].replace("-", "_")
            v = argv[i + 1]
            if key == "tag":
                a["tag"].append(v)
            elif key in ("start", "max", "steps", "first", "timeout",
                         "rate"):
                a[key] = int(v)
            elif key == "pause":
                a[key] = float(v)
            else:
                a[key] = v
            i += 2
        {"ramp": cmd_ramp, "udpramp": cmd_udpramp,
         "udpcpu": cmd_udpcpu}[op](a)
        return 0
    if op == "table":
        TABLES[argv[2]](load(argv[3]))
        return 0
    if op == "final":
        cmd_final(argv[2], argv[3], argv[4])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(130)
