"""``python -m anomalyclaw.evolve``: evolve a domain's rulebook without labels, versioned in the store.

A thin shell over :func:`evolution.loop.evolve_domain`: each round scores the current rulebook on
the unlabeled calib + dev items and on held-out normal references, proposes rule deltas from
label-free signals, curates them, accepts the candidate only if the label-free proxy (AUROC of the
pool against the held-out normals) improves beyond its bootstrap noise, and stores the candidate
version either way with its evidence. Rerunning after a crash starts the interrupted round again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anomalyclaw.errors import AnomalyClawError


def build_parser() -> argparse.ArgumentParser:
    """The CLI's options (they mirror evolve_domain and AgentConfig)."""
    p = argparse.ArgumentParser(prog="python -m anomalyclaw.evolve", description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--domain", required=True, help="domain code, e.g. D9")
    p.add_argument("--rounds", type=int, default=3, help="rounds to run now")
    p.add_argument("--budget", type=int, help="at most N pool items and N held-out normals per rulebook pass")
    p.add_argument("--dry-run", action="store_true", help="propose and test, but store nothing")
    p.add_argument("--backend", default="policy", choices=("policy", "openai-compatible", "hf"),
                   help="policy = offline deterministic stand-in (template reflector, no language model)")
    p.add_argument("--model",
                   help="hosted_vllm/<name> or openai/<name> (openai-compatible); a directory (hf)")
    p.add_argument("--api-base", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--db", help="SQLAlchemy URL of the store (default: ANOMALYCLAW_DB_URL, else "
                                "$ANOMALYCLAW_HOME/anomalyclaw.db, else ~/.anomalyclaw/anomalyclaw.db)")
    p.add_argument("--data", default="auto", choices=("auto", "real", "proxy"),
                   help="real benchmark images, the embedded proxy suite, or real when present")
    p.add_argument("--data-root", type=Path, help="root of the real benchmark images")
    p.add_argument("--seed", type=int, default=0, help="seed of the proxy suite and reference choices")
    p.add_argument("--folds", type=int, default=3, help="normal-pool folds for the held-out normals")
    p.add_argument("--max-rules", type=int, default=12, help="most active rules a rulebook may hold")
    p.add_argument("--confidence", type=float, default=0.95,
                   help="one-sided confidence of the Δproxy lower bound that must exceed 0")
    p.add_argument("--wait", type=float, default=0.0,
                   help="seconds to wait when another evolve process holds this domain (0 = refuse)")
    p.add_argument("--max-in-flight", type=int, default=1, help="items scored concurrently")
    p.add_argument("--no-wandb", action="store_true",
                   help="do not log to W&B (default: log; offline unless W&B credentials are configured)")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the on-disk model-call cache ($ANOMALYCLAW_HOME/cache/calls); "
                   "by default an answer already given for the same images, prompt, rulebook, model "
                   "and settings is reused")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input or a locked domain, with a one-line message)."""
    args = build_parser().parse_args(argv)
    from anomalyclaw._console import cli_console

    console = cli_console(stderr=True)
    try:
        from anomalyclaw._evolve_cli import execute

        return execute(args, console)
    except AnomalyClawError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: stored versions are whole; rerun to start the round again[/]")
        return 130


if __name__ == "__main__":
    sys.exit(main())
