"""``python -m anomalyclaw.quickstart``: the main job on the embedded default, end to end, offline.

Evolves one proxy domain's rulebook with the policy backend (label-free), scores its test split
without evolution (rulebook v0) and with the latest accepted version, then prints Table 1 from the
run store and the path of the HTML report comparing the versions. A thin chain of the public CLIs:
``anomalyclaw.evolve``, ``anomalyclaw.run``, ``eval.table1``, ``eval.report``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m anomalyclaw.quickstart",
                                description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--domain", default="D9", help="proxy domain code")
    p.add_argument("--rounds", type=int, default=2, help="evolution rounds")
    p.add_argument("--budget", type=int, default=30, 
                   help="pool items and held-out normals per evolution pass")
    p.add_argument("--limit", type=int, default=40, help="test items scored per rulebook version")
    p.add_argument("--db", help="run store URL (default: ANOMALYCLAW_DB_URL, else "
                   "$ANOMALYCLAW_HOME/anomalyclaw.db)")
    p.add_argument("--out", type=Path, default=Path("out") / "quickstart", help="records and report folder")
    p.add_argument("--no-wandb", action="store_true", help="do not log to W&B")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chain; stop at the first step that fails and return its exit code."""
    args = build_parser().parse_args(argv)
    from anomalyclaw import evolve, run
    from eval import report, table1

    code = args.domain.strip().upper()
    db = ["--db", args.db] if args.db else []
    wb = ["--no-wandb"] if args.no_wandb else []
    common = ["--domain", code, "--data", "proxy", *db, *wb]
    steps = [
        ("evolve", evolve.main, [*common, "--rounds", str(args.rounds), "--budget", str(args.budget)]),
        ("test run, rulebook v0", run.main, [*common, "--split", "test", "--limit", str(args.limit),
                                             "--rulebook-version", "0", "--out", str(args.out / "v0")]),
        ("test run, current rulebook", run.main, [*common, "--split", "test", "--limit", str(args.limit),
                                                  "--out", str(args.out / "current")]),
        ("table 1", table1.main, [*db, *wb, "--bootstrap", "1000"]),
        ("report", report.main, ["--domain", code, *db, "--out", str(args.out)]),
    ]
    for name, fn, argv_ in steps:
        print(f"== {name}: {' '.join(argv_)}", file=sys.stderr, flush=True)
        rc = fn(argv_)
        if rc != 0:
            print(f"quickstart stopped at '{name}' (exit {rc})", file=sys.stderr)
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
