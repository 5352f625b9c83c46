"""Benchmark the store against the plainest alternative: JSON-lines files written in the same batches.

Writes one proxy-suite-sized run (1,418 records, batches of 50, one transaction each), reads it back,
commits rulebook versions and reads the current one, on SQLite and (when reachable) PostgreSQL.
Times are reported as ratios to the JSON-lines baseline measured in the same run, since absolute
seconds depend on the machine.

    python scripts/bench_store.py [--pg URL] [--records 1418] [--batch 50]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from anomalyclaw.errors import InputError
from anomalyclaw.record import Record
from anomalyclaw.rulebook import Rule, RuleDelta
from db import Store


def _records(n: int) -> list[Record]:
    rng = np.random.default_rng(0)
    return [Record.from_upstream({
        "item_id": f"D{i % 12 + 1}_{i:04d}", "domain_code": f"D{i % 12 + 1}",
        "direct_score": float(rng.random()), "v9_score": float(rng.random()),
        "anomaly_score": float(rng.random()), "n_turns": 3,
        "tools_used": ["side_by_side", "expert_score", "zoom"],
        "history": [{"turn": t, "action": "tool", "observation": "x" * 400} for t in range(3)],
        "rationale": "y" * 300}) for i in range(n)]


def _baseline(recs: list[Record], batch: int, folder: Path) -> tuple[float, float]:
    path = folder / "records.jsonl"
    t0 = time.perf_counter()
    for i in range(0, len(recs), batch):
        with path.open("a") as f:
            f.writelines(json.dumps(r.to_upstream()) + "\n" for r in recs[i:i + batch])
            f.flush()
            os.fsync(f.fileno())
    t1 = time.perf_counter()
    back = [Record.from_upstream(json.loads(ln)) for ln in path.read_text().splitlines()]
    assert len(back) == len(recs)
    return t1 - t0, time.perf_counter() - t1


def _bench_store(url: str, recs: list[Record], batch: int) -> dict[str, float]:
    t0 = time.perf_counter()
    store = Store(url)
    out = {"open + migrate (s)": time.perf_counter() - t0}
    run = store.start_run(domain="mix")
    t0 = time.perf_counter()
    for i in range(0, len(recs), batch):
        store.add_records(run, recs[i:i + batch])
    out["write"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert len(store.records(run)) == len(recs)
    out["read"] = time.perf_counter() - t0
    store.ensure_seed("D9")
    t0 = time.perf_counter()
    for k in range(20):
        cur = store.current_rulebook("D9")
        rid = store.next_rule_id("D9")
        store.commit_version("D9", cur.version, [RuleDelta(op="add", rule_id=rid, rule=Rule(
            rule_id=rid, text=f"rule {k}", kind="anomaly_cue", scope="D9"))], accepted=k % 2 == 0)
    out["20 version commits (s)"] = time.perf_counter() - t0
    store.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pg", default=os.environ.get("ANOMALYCLAW_TEST_PG_URL",
                                                  "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    p.add_argument("--records", type=int, default=1418)
    p.add_argument("--batch", type=int, default=50)
    args = p.parse_args()
    recs = _records(args.records)
    [Record.from_upstream(r.to_upstream()) for r in recs[:100]]  # warm up pydantic before timing anything
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        base_w, base_r = _baseline(recs, args.batch, Path(tmp))
        rows = {"sqlite": _bench_store(f"sqlite:///{tmp}/bench.db", recs, args.batch)}
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg)
        try:
            with admin.begin() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = make_url(args.pg).update_query_dict({"options": f"-csearch_path={schema}"})
            rows["postgresql"] = _bench_store(url.render_as_string(hide_password=False), recs, args.batch)
        except (InputError, OSError, SQLAlchemyError) as e:  # no server: report it, bench SQLite only
            console.print(f"PostgreSQL skipped: {str(e).splitlines()[0]}")
        finally:
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    t = Table(title=f"{args.records} records in batches of {args.batch}; "
                    "baseline = JSON lines + fsync per batch")
    for col in ("backend", "write / baseline", "read / baseline", "write ms/record", "open + migrate (s)",
                "20 version commits (s)"):
        t.add_column(col, justify="right")
    t.add_row("json lines", "1.0", "1.0", f"{1000 * base_w / len(recs):.3f}", "-", "-")
    for name, r in rows.items():
        t.add_row(name, f"{r['write'] / base_w:.1f}", f"{r['read'] / base_r:.1f}",
                  f"{1000 * r['write'] / len(recs):.3f}", f"{r['open + migrate (s)']:.2f}",
                  f"{r['20 version commits (s)']:.2f}")
    console.print(t)


if __name__ == "__main__":
    main()
