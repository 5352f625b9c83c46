"""W&B tracking offline: the offline run's .wandb log holds the config, per-domain AUROC, item table
and rulebook artifacts with parent links; disabled tracking is the no-op tracker."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from anomalyclaw.record import Record
from eval.metrics import auroc
from eval.tracking import NoopTracker, WandbTracker, make_tracker


def wandb_records(path: Path):
    """Protobuf records of a .wandb file (W&B's LevelDB-style log: 7-byte header, 32 KiB blocks)."""
    from wandb.proto import wandb_internal_pb2 as pb

    data, pos, buf = path.read_bytes(), 7, b""
    assert data[:4] == b":W&B"
    while pos + 7 <= len(data):
        left = 32768 - pos % 32768
        if left < 7:
            pos += left
            continue
        _crc, n, kind = struct.unpack("<IHB", data[pos:pos + 7])
        if n == 0 and kind == 0:
            break
        buf += data[pos + 7:pos + 7 + n]
        pos += 7 + n
        if kind in (1, 4):  # FULL or LAST
            rec = pb.Record()
            rec.ParseFromString(buf)
            buf = b""
            yield rec


@pytest.fixture
def offline(tmp_path, monkeypatch):
    for var in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_DIR", "WANDB_DATA_DIR", "WANDB_CACHE_DIR",
                "WANDB_CONFIG_DIR", "WANDB_DISABLED"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "userhome"))  # no ~/.netrc: no credentials
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_offline_run_logs_config_auroc_items_and_rulebook_lineage(offline):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 30)
    s = np.clip(0.3 * y + 0.7 * rng.random(30), 0, 1)
    recs = [Record(item_id=f"D9_{i:03d}", domain_code="D9", label_gt=int(a), anomaly_score=float(b),
                   split="test") for i, (a, b) in enumerate(zip(y, s, strict=True))]
    t = make_tracker(job_type="run", config={"backend": "policy"})
    assert isinstance(t, WandbTracker) and t.mode == "offline"
    t.log_config({"domain": "D9", "rulebook_version": 1, "data_source": "proxy"})
    t.log_records(recs, key="items/D9")
    t.log_rulebook("D9", "# Rulebook D9 v0\n", version=0, parent=None, metadata={"status": "seed"})
    t.log_rulebook("D9", "# Rulebook D9 v1\n- [D9-r1] new\n", version=1, parent=0,
                   metadata={"status": "accepted"})
    t.finish()
    (run_dir,) = (offline / "wandb").glob("offline-run-*")
    log_file = next(run_dir.glob("run-*.wandb"))
    recs_log = list(wandb_records(log_file))
    config = {u.key: json.loads(u.value_json) for r in recs_log if r.WhichOneof("record_type") == "run"
              for u in r.run.config.update}
    config |= {u.key: json.loads(u.value_json) for r in recs_log if r.WhichOneof("record_type") == "config"
               for u in r.config.update}
    assert config["backend"] == "policy" and config["domain"] == "D9"
    assert config["data_source"] == "proxy" and config["rulebook_version"] == 1
    summary = {u.key: json.loads(u.value_json) for r in recs_log if r.WhichOneof("record_type") == "summary"
               for u in r.summary.update}
    assert summary["auroc/D9"] == pytest.approx(auroc(y, s))
    arts = [r.artifact for r in recs_log if r.WhichOneof("record_type") == "artifact"]
    books = [a for a in arts if a.type == "rulebook"]
    assert [a.name for a in books] == ["rulebook-D9", "rulebook-D9"]
    child = json.loads(books[1].metadata)
    assert child["version"] == 1 and child["parent"] == 0
    assert child["parent_artifact"] == "rulebook-D9:version-0"
    assert "version-1" in books[1].aliases and [e.path for e in books[1].manifest.contents] == ["D9.v1.md"]
    assert any(a.type == "run_table" for a in arts)  # the per-item table


def test_disabled_tracking_is_the_noop(monkeypatch, tmp_path):
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path))
    assert isinstance(make_tracker(enabled=False, job_type="run"), NoopTracker)
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert isinstance(make_tracker(job_type="run"), NoopTracker)
    monkeypatch.delenv("WANDB_MODE")
    monkeypatch.setenv("WANDB_DISABLED", "true")
    assert isinstance(make_tracker(job_type="run"), NoopTracker)
    assert not (tmp_path / "wandb").exists()
