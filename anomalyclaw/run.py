"""``python -m anomalyclaw.run``: score a domain's split with the agent and write records.

A thin shell over :mod:`anomalyclaw.agent`: it loads the domain and its rulebook, builds the
agent, scores items concurrently with a rich progress bar, writes per-domain JSON records
(resumable: finished items are skipped) and prints a per-domain AUROC summary when labels exist.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from anomalyclaw.errors import AnomalyClawError, InputError

if TYPE_CHECKING:
    from anomalyclaw.agent import AgentConfig

DOMAIN_HELP = "domain code(s), e.g. D9 or D1,D3, 'all' (D1..D12), or a name added with anomalyclaw.domain"


def build_parser() -> argparse.ArgumentParser:
    """The CLI's options (they mirror AgentConfig)."""
    p = argparse.ArgumentParser(
        prog="python -m anomalyclaw.run",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--domain", required=True, help=DOMAIN_HELP)
    p.add_argument("--split", default="test", choices=("calib", "dev", "test"), help="which split to score")
    p.add_argument(
        "--backend",
        default="policy",
        choices=("policy", "openai-compatible", "hf"),
        help="policy = offline deterministic stand-in (no language model)",
    )
    p.add_argument(
        "--model", help="hosted_vllm/<name> or openai/<name> (openai-compatible); a directory (hf)"
    )
    p.add_argument(
        "--api-base",
        help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 "
        "(key from ANOMALYCLAW_API_KEY or OPENAI_API_KEY)",
    )
    p.add_argument("--out", type=Path, help="output directory (default out/<backend>-<split>)")
    p.add_argument("--limit", type=int, help="score at most N items per domain (a seeded random subset)")
    p.add_argument("--max-in-flight", type=int, default=4, help="items scored concurrently")
    p.add_argument(
        "--data",
        default="auto",
        choices=("auto", "real", "proxy"),
        help="real benchmark images, the embedded proxy suite, or real when present",
    )
    p.add_argument("--data-root", type=Path, help="root of the real benchmark images")
    p.add_argument(
        "--rulebook",
        type=Path,
        help="rulebook file to use instead of the domain's current version in the store",
    )
    p.add_argument(
        "--db", help="run store URL (default: ANOMALYCLAW_DB_URL or ~/.anomalyclaw/anomalyclaw.db)"
    )
    p.add_argument("--no-store", "--no-db", dest="no_store", action="store_true",
                   help="write JSON records only (rulebook: the seed)")
    p.add_argument("--no-wandb", action="store_true",
                   help="do not log to W&B (default: log; offline unless W&B credentials are configured)")
    p.add_argument("--rulebook-version", type=int,
                   help="score with this stored rulebook version (e.g. 0 = the seed, for the "
                   "'without evolution' test run) instead of the domain's current one")
    p.add_argument("--seed", type=int, default=0, help="seed for item order, --limit subsets and proxies")
    p.add_argument("--timeout", type=float, default=120.0, help="per-request timeout (s)")
    p.add_argument("--retries", type=int, default=3, help="retries on 429, 5xx and timeouts")
    p.add_argument("--no-logprobs", action="store_true", help="do not ask for token log-probabilities")
    p.add_argument("--max-turns", type=int, default=4, help="refutation turns, turn 1 included")
    p.add_argument("--alpha", type=float, default=0.5, help="weight of Direct in the fused score")
    p.add_argument("--max-tokens", type=int, default=1024, help="most tokens per model reply")
    p.add_argument("--max-normals", type=int, help="fit the expert probes on at most N pool normals")
    p.add_argument("--fpr", type=float, default=0.01,
                   help="target false-positive rate of the label-free decision threshold, set from "
                   "held-out normal images only (records get threshold and decision; scores are unchanged)")
    p.add_argument("--calib-normals", type=int, default=20,
                   help="normal-pool images held out of the expert fit to set the threshold")
    p.add_argument("--no-threshold", action="store_true", help="no operating point: scores only")
    p.add_argument("--fail-bound", type=float, default=0.2,
                   help="warn in red when a branch's malformed-output or fallback rate exceeds this share")
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the on-disk model-call cache ($ANOMALYCLAW_HOME/cache/calls); "
                   "by default an answer already given for the same images, prompt, rulebook, model "
                   "and settings is reused")
    return p


def _domains(text: str, db_url: str | None = None) -> list[str]:
    from anomalyclaw.data import DOMAIN_CODES

    if text.strip().lower() == "all":
        return list(DOMAIN_CODES)
    from anomalyclaw.userdata import resolve_domain_code

    return [resolve_domain_code(c, db_url) for c in text.split(",") if c.strip()]


def make_config(args: argparse.Namespace) -> AgentConfig:
    """The agent's config from the options; bad values become one-line input errors."""
    from pydantic import ValidationError

    from anomalyclaw.agent import AgentConfig, default_call_cache_dir

    try:
        return AgentConfig(
            backend=args.backend,
            model=args.model,
            api_base=args.api_base,
            max_in_flight=args.max_in_flight,
            timeout_s=args.timeout,
            retries=args.retries,
            logprobs=not args.no_logprobs,
            max_turns=args.max_turns,
            alpha=args.alpha,
            seed=args.seed,
            max_tokens=args.max_tokens,
            max_normals=args.max_normals,
            call_cache=None if args.no_cache else default_call_cache_dir(),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "options"
        raise InputError(f"{where}: {first['msg']}") from None


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input, with a one-line message)."""
    args = build_parser().parse_args(argv)
    from anomalyclaw._console import cli_console

    console = cli_console(stderr=True)
    try:
        config = make_config(args)
        codes = _domains(args.domain, args.db)
        from anomalyclaw._run_cli import execute

        return execute(args, codes, config, console)
    except AnomalyClawError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: finished records are kept; rerun the same command to resume[/]")
        return 130


if __name__ == "__main__":
    sys.exit(main())
