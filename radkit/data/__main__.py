"""``python -m radkit.data check SOURCE [--root PATH] [--sample N]``: is a downloaded folder complete?"""

from __future__ import annotations

import argparse
import sys

from radkit.data.check import folder_report
from radkit.data.real import _TABLES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m radkit.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="count, decode and summarise a source's folder")
    check.add_argument("source", choices=list(_TABLES))
    check.add_argument("--root", help="the source's folder (default $RADKIT_DATA/<source>)")
    check.add_argument("--sample", type=int, default=None, help="decode only this many films, drawn at random")
    check.add_argument("--seed", type=int, default=0, help="which films the sample holds")
    args = parser.parse_args(argv)
    try:
        report = folder_report(args.source, args.root, sample=args.sample, seed=args.seed)
    except (FileNotFoundError, ValueError) as err:
        print(err, file=sys.stderr)
        return 2
    print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
