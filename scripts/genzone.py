#!/usr/bin/env python3
"""Signet's own TLD-shaped benchmark zone generator.

usage: scripts/genzone.py N [OUT] [--origin tld.] [--seed 42] [--providers 1000]

Same shape as the shared generator (../shared/genzone.py), so either can
feed scripts/bench:

  apex        SOA; NS ns1..ns3.<origin>; A + AAAA glue for each of them
  N children  d<number>.<origin>, two NS each:
                30%  in-bailiwick  ns1/ns2.d<number>.<origin>, each with A + AAAA glue
                70%  at a provider ns1/ns2.provider-<k>.net. (k < --providers)
              20% of children also carry one DS (alg 13, digest type 2, SHA-256 size)

Every record is written on one line with an absolute owner, explicit TTL
and class. The output is deterministic for a given N and seed. A summary
of record counts goes to stderr. OUT '-' or absent means stdout.
"""

import argparse
import random
import sys
from collections import Counter

TTL = 86400
SOA_RDATA = "hostmaster.nic.{o} 2024010101 1800 900 604800 3600"
IN_BAILIWICK_SHARE = 0.30
DS_SHARE = 0.20


def apex_records(origin):
    """The apex: SOA, three NS and their glue."""
    yield origin, "SOA", f"ns1.{origin} " + SOA_RDATA.format(o=origin)
    for i in (1, 2, 3):
        yield origin, "NS", f"ns{i}.{origin}"
    for i in (1, 2, 3):
        yield f"ns{i}.{origin}", "A", f"192.0.2.{i}"
        yield f"ns{i}.{origin}", "AAAA", f"2001:db8::{i}"


def child_records(rng, name, providers):
    """One delegation: NS (with glue if in-bailiwick) and maybe a DS."""
    if rng.random() < IN_BAILIWICK_SHARE:
        hosts = [f"ns{k}.{name}" for k in (1, 2)]
        for host in hosts:
            yield name, "NS", host
        for k, host in enumerate(hosts, start=1):
            v4 = rng.getrandbits(24).to_bytes(3, "big")
            yield host, "A", "10." + ".".join(str(b) for b in v4)
            hi, lo = rng.getrandbits(16), rng.getrandbits(16)
            yield host, "AAAA", f"2001:db8:{hi:x}:{lo:x}::{k}"
    else:
        provider = rng.randrange(providers)
        for k in (1, 2):
            yield name, "NS", f"ns{k}.provider-{provider}.net."
    if rng.random() < DS_SHARE:
        tag = rng.randrange(1 << 16)
        digest = rng.getrandbits(256).to_bytes(32, "big").hex().upper()
        yield name, "DS", f"{tag} 13 2 {digest}"


def generate(n, origin, seed, providers, out):
    rng = random.Random(seed)
    counts = Counter()
    digits = max(6, len(str(max(n - 1, 0))))
    out.write(f"$ORIGIN {origin}\n$TTL {TTL}\n")

    def emit(records):
        lines = []
        for owner, rtype, rdata in records:
            counts[rtype] += 1
            lines.append(f"{owner} {TTL} IN {rtype} {rdata}\n")
        out.write("".join(lines))

    emit(apex_records(origin))
    in_bailiwick = with_ds = 0
    for i in range(n):
        name = f"d{i:0{digits}d}.{origin}"
        records = list(child_records(rng, name, providers))
        in_bailiwick += any(r[1] == "A" for r in records)
        with_ds += records[-1][1] == "DS"
        emit(records)
    return counts, in_bailiwick, with_ds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of delegations")
    parser.add_argument("out", nargs="?", default="-", help="output file (default stdout)")
    parser.add_argument("--origin", default="tld.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--providers", type=int, default=1000)
    args = parser.parse_args()
    if args.n < 0 or args.providers < 1:
        parser.error("N must be >= 0 and --providers >= 1")
    origin = args.origin.rstrip(".") + "."
    if args.out == "-":
        result = generate(args.n, origin, args.seed, args.providers, sys.stdout)
    else:
        with open(args.out, "w", buffering=1 << 20) as out:
            result = generate(args.n, origin, args.seed, args.providers, out)
    counts, in_bailiwick, with_ds = result
    summary = " ".join(f"{t}={counts[t]}" for t in ("SOA", "NS", "A", "AAAA", "DS"))
    print(
        f"N={args.n} in-bailiwick={in_bailiwick} with-DS={with_ds} records={sum(counts.values())} {summary}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
