"""``python -m anomalyclaw.preflight``: check a model endpoint before a long run.

Lists the server's models, sends one image, checks that the agent's structured answer parses,
that token log-probabilities come back, and that a reasoning model's thinking does not land in
the answer text. Prints what works and, for what does not, the exact fix. Exit code 0 when every
check passes, 1 when one fails, 2 on bad input.

Example::

    python -m anomalyclaw.preflight --base-url http://127.0.0.1:8000/v1 \\
        --model hosted_vllm/Qwen/Qwen2.5-VL-7B-Instruct
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from anomalyclaw._console import cli_console


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m anomalyclaw.preflight", description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--base-url", required=True, help="OpenAI-compatible base URL ending in /v1")
    p.add_argument("--model", required=True,
                   help="the model as a run names it (hosted_vllm/<id>, openai/<id>, or the bare server id)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    return p


def run_checks(base: str, model: str, timeout_s: float) -> list:
    """Every check, in order; the later ones are skipped when the server cannot be reached."""
    import httpx

    from anomalyclaw._preflight_checks import (
        CheckResult,
        check_logprobs,
        check_models,
        check_structured,
        check_thinking,
        check_vision,
    )
    from anomalyclaw.backends._openai import api_key_from_env

    key = api_key_from_env()
    base = base.rstrip("/")
    with httpx.Client(timeout=timeout_s) as client:
        results = [check_models(client, base, model, key)]
        if not results[0].ok and "cannot reach" in results[0].detail:
            skipped = ("image input", "structured output", "logprobs", "thinking mode off")
            return results + [CheckResult(n, False, "skipped: server unreachable") for n in skipped]
        results.append(check_vision(client, base, model, key))
        results.append(check_thinking(client, base, model, key))
        results.append(check_logprobs(client, base, model, key))
    results.append(check_structured(base, model, timeout_s))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks and print the verdict table."""
    args = build_parser().parse_args(argv)
    console = cli_console()
    if not args.base_url.startswith(("http://", "https://")):
        Console(stderr=True).print(f"[red]error:[/red] --base-url {args.base_url!r} is not an http(s) URL")
        return 2
    results = run_checks(args.base_url, args.model, args.timeout)
    table = Table(title=f"preflight: {args.model} at {args.base_url}")
    for col in ("check", "result", "detail", "fix"):
        table.add_column(col)
    for r in results:
        table.add_row(r.name, "[green]ok[/]" if r.ok else "[red]FAIL[/]", r.detail, r.fix)
    console.print(table)
    failed = [r.name for r in results if not r.ok]
    verdict = f"[red]{len(failed)} failed:[/] {', '.join(failed)}" if failed else "[green]all passed[/]"
    console.print(verdict)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
