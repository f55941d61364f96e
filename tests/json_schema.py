#!/usr/bin/env python3
"""json_schema.py - dstmctl -j output against the documented keys.

    json_schema.py [--exit N] < output

The output must be one JSON object on one line (or indented, -jj) whose
"command" selects the schema; an object with "error" is checked as an
error, and with --exit N its error.exit_code must be N.  Every key is
snake_case, except the names of a "counters" object, which are counter
names: snake_case levels joined by dots.  A key the schema does not list
is an error (a new key must be documented in dstmctl(8) and here).
Exit 0 when it conforms, else 1 with the reasons on stderr.
"""
import json
import re
import sys

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
COUNTER = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")

# a type: "str", "int", "bool", "null", alternatives joined by "|"; a dict
# is an object (a key ending in "?" is optional); [dict] a list of them,
# ["str"] a list of strings;
# "counters" an object of counter name -> int
HEAD = {"command": "str", "status": "str", "code": "int|null"}
LEASE = {"address": "str", "lease_time": "int", "expires_in": "int|null",
         "static": "bool", "t1": "int", "t2": "int", "tep6": "str",
         "tep4": "str", "mtu": "int", "port_min": "int", "port_max": "int"}
ENTRY = {"address": "str", "state": "str", "client": "str",
         "expires": "int|null", "expires_in": "int|null",
         "since": "int|null", "pkts_in": "int", "bytes_in": "int",
         "pkts_out": "int", "bytes_out": "int", "last_seen": "int|null"}
RANGE = {"range": "str", "first": "str", "last": "str", "size": "int",
         "free": "int", "bound": "int", "held": "int", "excluded": "int"}
# rpcd in mode b4 (DS-lite): where the AFTR is
B4 = {"aftr_name": "str|null", "aftr_address": "str|null",
      "aftr_from": "str", "dhcpv6_interface": "str|null",
      "dns_servers": ["str"], "b4_address": "str|null", "nat": "str"}
CLIENT = {"state": "str", "mode": "str", "interface": "str",
          "server": "str", "source": "str",
          "lease": dict(LEASE, expires="int|null"), "b4?": B4,
          "last_error": "str|null", "counters": "counters"}
MESSAGE = {"message": "str"}

SCHEMAS = {
    "leases": [{"now": "int", "leases": [ENTRY], "count": "int",
                "truncated": "bool", "next": "str|null"},
               # an old daemon without LEASE_QUERY: no count, no next
               {"now": "int", "leases": [ENTRY], "truncated": "bool"}],
    "pool": [{"size": "int", "free": "int", "bound": "int", "held": "int",
              "excluded": "int", "ranges": [RANGE]}],
    "stats": [{"uptime": "int", "counters": "counters"}, MESSAGE],
    "config": [{"config": "str"}],
    "revoke": [MESSAGE],
    "reload": [MESSAGE],
    "lease": [LEASE, CLIENT],
    "alloc": [dict(LEASE, key="str")],
    "renew": [LEASE, CLIENT],
    "release": [{"address": "str"}, CLIENT],
    "status": [CLIENT],
    "info": [{"server": "str", "caller": "str", "lease_time": "int",
              "tep6": "str", "tep4": "str", "mtu": "int",
              "pool_size": "int", "pool_free": "int", "leases": [LEASE]}],
    "ping": [{"peer": "str", "rtt_us": "int"}],
    # the DS-lite AFTR (rpcdstmd's or dstmgwd's [aftr])
    "aftr": [{"list": "str", "now": "int",
              "b4s": [{"b4": "str", "public": "str", "sessions": "int",
                       "port_blocks": "int", "ifindex": "int",
                       "since": "int"}]},
             {"list": "str",
              "sessions": [{"b4": "str", "protocol": "str",
                            "inside_address": "str", "inside_port": "int",
                            "public_address": "str", "public_port": "int",
                            "state": "str", "expires_in": "int",
                            "packets_out": "int", "packets_in": "int"}]},
             {"list": "str",
              "port_blocks": [{"b4": "str", "public": "str",
                               "first_port": "int", "last_port": "int",
                               "used": "int", "since": "int"}]}],
}
ERROR = {"command": "str|null", "status": "str", "code": "int|null",
         "message?": "str", "detail?": "str",
         "error": {"type": "str", "message": "str", "detail?": "str",
                   "exit_code": "int"}}
# the lease of a client in status may be null
NULLABLE = {("status", "lease"), ("lease", "lease"), ("renew", "lease"),
            ("release", "lease")}

TYPES = {"str": str, "int": int, "bool": bool, "null": type(None)}


def type_ok(v, spec):
    for t in spec.split("|"):
        if t == "int" and isinstance(v, bool):
            continue
        if isinstance(v, TYPES[t]):
            return True
    return False


def check(obj, schema, path, errs, nullable=()):
    if not isinstance(obj, dict):
        errs.append(f"{path}: not an object")
        return
    want = {k.rstrip("?"): (v, k.endswith("?")) for k, v in schema.items()}
    for k in obj:
        if not SNAKE.match(k):
            errs.append(f"{path}.{k}: not snake_case")
        if k not in want:
            errs.append(f"{path}.{k}: not documented")
    for k, (spec, optional) in want.items():
        if k not in obj:
            if not optional:
                errs.append(f"{path}.{k}: missing")
            continue
        v, p = obj[k], f"{path}.{k}"
        if v is None and k in nullable:
            continue
        if spec == "counters":
            if not isinstance(v, dict):
                errs.append(f"{p}: not an object")
                continue
            for n, c in v.items():
                if not COUNTER.match(n):
                    errs.append(f"{p}[{n!r}]: not a counter name")
                if not type_ok(c, "int") or c < 0:
                    errs.append(f"{p}[{n!r}]: not a count")
        elif isinstance(spec, dict):
            check(v, spec, p, errs)
        elif isinstance(spec, list):
            if not isinstance(v, list):
                errs.append(f"{p}: not a list")
                continue
            for i, x in enumerate(v):
                if isinstance(spec[0], str):
                    if not type_ok(x, spec[0]):
                        errs.append(f"{p}[{i}]: {x!r} is not {spec[0]}")
                else:
                    check(x, spec[0], f"{p}[{i}]", errs)
        elif not type_ok(v, spec):
            errs.append(f"{p}: {v!r} is not {spec}")


def conforms(d, want_exit=None):
    """The reasons d does not conform (empty: it does)."""
    if not isinstance(d, dict):
        return ["not a JSON object"]
    if "error" in d:
        errs = []
        check(d, ERROR, "", errs)
        if want_exit is not None and isinstance(d.get("error"), dict) and \
                d["error"].get("exit_code") != want_exit:
            errs.append(f"error.exit_code {d['error'].get('exit_code')} "
                        f"!= {want_exit}")
        return errs
    if want_exit not in (None, 0):
        return [f"no error object, but exit {want_exit}"]
    alts = SCHEMAS.get(d.get("command"))
    if alts is None:
        return [f"unknown command {d.get('command')!r}"]
    best = None
    for alt in alts:
        errs = []
        nullable = {k for c, k in NULLABLE if c == d["command"]}
        check(d, dict(HEAD, **alt), "", errs, nullable)
        if not errs:
            return []
        if best is None or len(errs) < len(best):
            best = errs
    return best


def main():
    want = None
    if len(sys.argv) == 3 and sys.argv[1] == "--exit":
        want = int(sys.argv[2])
    text = sys.stdin.read()
    try:
        d = json.loads(text)
    except ValueError as e:
        print(f"not JSON ({e}): {text[:200]!r}", file=sys.stderr)
        return 1
    errs = conforms(d, want)
    for e in errs:
        print(e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
