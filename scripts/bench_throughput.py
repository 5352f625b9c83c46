"""Throughput of the agent against the shipped fake OpenAI server at a fixed model latency.

Each item runs the real path: Direct call, turn-1 proposal with one candidate, one tool
(``region_zoom``), a final step — three HTTP requests of ``--latency`` seconds each. Items are
scored by ``run_items`` with N in flight; items/s at N is compared with N × items/s at 1
(scaling efficiency; the issue asks for ≥ 0.8 up to 16).

The server runs in its own process by default, as a real model server does; ``--server thread``
runs it inside the client process, where its request handling competes with the client for the
GIL (that setting measures the fake server, not the agent).

    python scripts/bench_throughput.py --latency 0.2 --levels 1 2 4 8 16 --out out/bench_throughput.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from anomalyclaw.agent import Agent, AgentConfig, fit_experts
from anomalyclaw.agent._runner import run_items
from anomalyclaw.agent._sinks import JsonSink
from anomalyclaw.data import Domain, DomainSpec, Item
from anomalyclaw.testing import FakeOpenAI

SIDE = 64


def _domain(root: Path, n_items: int, seed: int = 0) -> Domain:
    rng = np.random.default_rng(seed)
    paths = []
    for k in range(n_items + 6):
        p = root / f"img_{k:04d}.png"
        Image.fromarray(rng.integers(0, 255, (SIDE, SIDE, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    pool, queries = tuple(paths[:6]), paths[6:]
    items = tuple(
        Item(
            item_id=f"B_{i:05d}",
            domain_code="B",
            split="test",
            query_path=q,
            ref_paths=pool[:2],
            data_source="proxy",
        )
        for i, q in enumerate(queries)
    )
    spec = DomainSpec(
        code="B",
        name="Noise",
        modality="RGB",
        reference_type="same kind",
        description="Random noise images.",
        data_source="proxy",
    )
    return Domain(spec=spec, items=items, normal_pool=pool)


def _script(decoded):
    if "candidates" in decoded.outputs:
        return {
            "initial_score": 0.6,
            "candidates": [{"name": "spot", "box": [0.2, 0.2, 0.6, 0.6]}],
            "refute_first": 1,
            "action": "use_tool",
            "tool": "region_zoom",
            "tool_args": {},
        }
    if "verdict" in decoded.outputs:
        return {"verdict": "found_in_ref", "score": 0.1, "action": "finish", "tool": "none"}
    return {"image_label": "normal", "confidence": 0.7}


_SERVED = None  # a shared request counter, set in the server process


def _counted_script(decoded):
    with _SERVED.get_lock():
        _SERVED.value += 1
    return _script(decoded)


def _serve(latency: float, served, ready) -> None:
    global _SERVED
    _SERVED = served
    fake = FakeOpenAI(script=_counted_script, delay_s=latency).start()
    ready.send(fake.base_url)
    ready.recv()  # blocks until the parent says stop
    fake.stop()


class _ServerProcess:
    """The fake server in a child process; ``requests`` counts the requests it answered."""

    def __init__(self, latency: float) -> None:
        ctx = mp.get_context("fork")
        self._served = ctx.Value("i", 0)
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(latency, self._served, child), daemon=True)

    def __enter__(self) -> _ServerProcess:
        self._proc.start()
        self.base_url = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._proc.join(5)

    @property
    def requests(self) -> int:
        return self._served.value


def measure(levels: list[int], latency: float, rounds: int, console: Console,
            server: str = "process") -> list[dict]:
    """items/s at each in-flight level (each level scores ``rounds × level`` items, at least 8)."""
    rows = []
    serving = (_ServerProcess(latency) if server == "process"
               else FakeOpenAI(script=_script, delay_s=latency))
    with tempfile.TemporaryDirectory() as tmp, serving as fake:
        root = Path(tmp)
        domain = _domain(root, max(rounds * max(levels), 8))
        experts = fit_experts(domain, cache_dir=root / "experts", device="cpu")
        for n in levels:
            config = AgentConfig(
                backend="openai-compatible",
                model="hosted_vllm/fake-vlm",
                api_base=fake.base_url,
                max_in_flight=n,
                n_refs_direct=2,
                n_refs_refutation=2,
                logprobs=False,
            )
            agent = Agent(config, "(no rules)", domain, experts=experts)
            items = list(domain.items[: max(rounds * n, 8)])
            before = fake.requests
            t0 = time.perf_counter()
            recs = run_items(
                agent.score, items, sink=JsonSink(root / f"out{n}"), run_id=f"bench{n}", max_in_flight=n
            )
            wall = time.perf_counter() - t0
            assert all(r.anomaly_score is not None and r.tools_used == ["region_zoom"] for r in recs)
            rows.append(
                {
                    "in_flight": n,
                    "items": len(items),
                    "requests": fake.requests - before,
                    "seconds": wall,
                    "items_per_s": len(items) / wall,
                }
            )
            console.print(f"N={n}: {len(items)} items in {wall:.2f} s")
    base = rows[0]["items_per_s"] / rows[0]["in_flight"]
    for r in rows:
        r["efficiency"] = r["items_per_s"] / (r["in_flight"] * base)
    return rows


def main() -> None:
    """Run the benchmark and print (and optionally save) the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency", type=float, default=0.2, help="seconds per fake model request")
    p.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4, 8, 16], help="in-flight levels")
    p.add_argument("--rounds", type=int, default=4, help="items per level = rounds × level")
    p.add_argument("--server", choices=("process", "thread"), default="process",
                   help="run the fake server in its own process (like a real server) or in this one")
    p.add_argument("--out", type=Path, help="write the rows as JSON here")
    args = p.parse_args()
    console = Console()
    rows = measure(args.levels, args.latency, args.rounds, console, args.server)
    table = Table(
        title=f"agent throughput vs in-flight requests (fake server in a {args.server}, "
        f"{args.latency * 1000:.0f} ms/request)"
    )
    for col in ("in flight", "items", "requests", "seconds", "items/s", "efficiency"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            str(r["in_flight"]),
            str(r["items"]),
            str(r["requests"]),
            f"{r['seconds']:.2f}",
            f"{r['items_per_s']:.2f}",
            f"{r['efficiency']:.2f}",
        )
    console.print(table)
    worst = min(r["efficiency"] for r in rows)
    console.print(
        f"worst scaling efficiency {worst:.2f} ({'meets' if worst >= 0.8 else 'misses'} the 0.8 bar)"
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        payload = {"latency_s": args.latency, "server": args.server, "rows": rows}
        args.out.write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
