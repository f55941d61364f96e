#!/usr/bin/env python3
"""om_check.py - OpenMetrics text as a scraper reads it.

    om_check.py [--prometheus] [NAME=VALUE ...] < metrics

Checks: every line is a HELP, TYPE or a sample, or the final "# EOF"
(with --prometheus, the text format 0.0.4 that node_exporter's textfile
collector reads: no "# EOF", and HELP and TYPE name the sample itself,
"x_total" for a counter);
metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
[a-zA-Z_][a-zA-Z0-9_]*; every sample follows the TYPE of its family, a
family's samples are together and declared once; counter samples end in
_total and are not negative; no sample repeats its name and labels.
Each NAME=VALUE asks that the sample NAME (with its labels, as written,
e.g. 'dstm_replies_total{daemon="rpcdstmd",status="ok"}') has VALUE, or
with NAME>=VALUE at least VALUE.  Prints the number of samples; exit 1
with the reason on stderr when something is wrong.
"""
import re
import sys

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"')
SAMPLE = re.compile(r"^([^{ ]+)(\{[^}]*\})? (\S+)$")


def parse(text, prom=False):
    if prom:
        if "# EOF" in text or not text.endswith("\n"):
            raise ValueError("0.0.4 text: no '# EOF', a newline at the end")
        text += "# EOF\n"
    if not text.endswith("# EOF\n"):
        raise ValueError("does not end with '# EOF'")
    lines = text[:-len("# EOF\n")].split("\n")[:-1] if text != "# EOF\n" \
        else []
    types, seen, samples = {}, set(), {}
    family = None
    for n, line in enumerate(lines, 1):
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or not NAME.match(parts[2]) or \
                    parts[3] not in ("counter", "gauge", "unknown"):
                raise ValueError(f"line {n}: bad TYPE: {line!r}")
            if parts[2] in types:
                raise ValueError(f"line {n}: {parts[2]} declared twice")
            family = parts[2]
            types[family] = parts[3]
            continue
        if line.startswith("# HELP "):
            if not NAME.match(line.split(" ")[2]):
                raise ValueError(f"line {n}: bad HELP: {line!r}")
            continue
        if line.startswith("#"):
            raise ValueError(f"line {n}: stray comment or early EOF")
        m = SAMPLE.match(line)
        if m is None:
            raise ValueError(f"line {n}: not a sample: {line!r}")
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        if not NAME.match(name):
            raise ValueError(f"line {n}: bad metric name {name!r}")
        if family is None:
            raise ValueError(f"line {n}: sample before any TYPE")
        want = family + ("_total" if types[family] == "counter" and
                         not prom else "")
        if prom and types[family] == "counter" and \
                not family.endswith("_total"):
            raise ValueError(f"line {n}: counter {family} without _total")
        if name != want:
            raise ValueError(f"line {n}: {name} is not in family {family} "
                             f"({types[family]})")
        if labels:
            inner = labels[1:-1]
            got = ",".join(f'{k}="{v}"' for k, v in LABEL.findall(inner))
            if got != inner:
                raise ValueError(f"line {n}: bad labels {labels!r}")
        v = float(value)
        if types[family] == "counter" and v < 0:
            raise ValueError(f"line {n}: negative counter")
        key = name + labels
        if key in seen:
            raise ValueError(f"line {n}: {key} repeated")
        seen.add(key)
        samples[key] = v
    return types, samples


def main():
    args = sys.argv[1:]
    prom = bool(args) and args[0] == "--prometheus"
    if prom:
        args = args[1:]
    text = sys.stdin.read()
    try:
        _, samples = parse(text, prom)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    for arg in args:
        at_least = ">=" in arg
        name, want = arg.rsplit(">=" if at_least else "=", 1)
        got = samples.get(name)
        if got is None or (got < float(want) if at_least else
                           got != float(want)):
            print(f"{name}: {got} (want {'>=' if at_least else ''}{want})",
                  file=sys.stderr)
            return 1
    print(len(samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
