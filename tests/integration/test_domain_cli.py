"""Your own images: folders of each layout built here, registered, scored, evolved and tabled offline."""

import json
import os

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from anomalyclaw.domain import main as domain_main
from anomalyclaw.evolve import main as evolve_main
from anomalyclaw.run import main as run_main
from eval.table1 import main as table1_main

pytestmark = pytest.mark.slow  # fits probes and runs the agent

SIDE = 96


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("ANOMALYCLAW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ANOMALYCLAW_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")


def _crops(n, seed):
    rng = np.random.default_rng(seed)
    brick = skdata.brick()
    return [
        np.stack([brick[y : y + SIDE, x : x + SIDE]] * 3, -1)
        for y, x in zip(rng.integers(0, 400, n), rng.integers(0, 400, n), strict=True)
    ]


def _scratch(img):
    img = img.copy()
    img[40:46, 10:80] = 10
    return img


def _save(folder, imgs, prefix):
    folder.mkdir(parents=True, exist_ok=True)
    for i, a in enumerate(imgs):
        Image.fromarray(a).save(folder / f"{prefix}_{i:03d}.png")


@pytest.fixture
def mvtec(tmp_path):
    root = tmp_path / "bricks"
    _save(root / "train" / "good", _crops(24, 0), "good")
    _save(root / "test" / "good", _crops(15, 1), "good")
    _save(root / "test" / "scratch", [_scratch(a) for a in _crops(15, 2)], "bad")
    _save(root / "ground_truth" / "scratch", [np.zeros((SIDE, SIDE), np.uint8)] * 15, "bad")
    for p in (root / "ground_truth" / "scratch").iterdir():
        p.rename(p.with_name(p.stem + "_mask.png"))
    return root


@pytest.fixture
def plain(tmp_path):
    root = tmp_path / "plain"
    _save(root / "normal", _crops(6, 3), "n")
    _save(root / "images", [*_crops(3, 4), *[_scratch(a) for a in _crops(3, 5)]], "x")
    return root


def _rows(capsys):
    return " ".join(capsys.readouterr().out.split())


def test_mvtec_folder_add_run_evolve_table1(mvtec, tmp_path, capsys):
    assert (
        domain_main(["add", "bricks", str(mvtec), "--description", "Close-up photos of a brick wall."]) == 0
    )
    out = _rows(capsys)
    assert "mvtec layout" in out and "seed rulebook (v0)" in out and "brick wall" in out
    assert domain_main(["show", "bricks"]) == 0
    shown = _rows(capsys)
    assert "normal references: 24" in shown and "splits from seed 0" in shown
    args = [
        "--domain",
        "bricks",
        "--split",
        "test",
        "--calib-normals",
        "6",
        "--out",
        str(tmp_path / "o"),
        "--no-wandb",
    ]
    assert run_main(args) == 0
    recs = json.loads((tmp_path / "o" / "bricks.json").read_text())
    assert recs and {r["data_source"] for r in recs} == {"user"} and all("label_gt" in r for r in recs)
    assert all(r["item_id"].startswith("bricks_") and "scratch" not in json.dumps(r) for r in recs)
    assert all(r["decision"] in ("anomalous", "normal") for r in recs)
    assert (
        evolve_main(["--domain", "bricks", "--rounds", "1", "--budget", "8", "--folds", "2", "--no-wandb"])
        == 0
    )
    assert table1_main([]) == 0
    assert "bricks" in _rows(capsys)


def test_plain_folder_has_no_labels_and_still_runs(plain, tmp_path, capsys):
    assert domain_main(["add", "lab", str(plain)]) == 0
    assert "plain layout" in _rows(capsys)
    assert (
        run_main(
            [
                "--domain",
                "lab",
                "--split",
                "test",
                "--no-threshold",
                "--out",
                str(tmp_path / "o"),
                "--no-wandb",
            ]
        )
        == 0
    )
    recs = json.loads((tmp_path / "o" / "lab.json").read_text())
    assert recs and all(r.get("label_gt") is None and r["anomaly_score"] is not None for r in recs)


def test_odd_images_are_converted_and_said_so(plain, capsys):
    Image.fromarray(_crops(1, 6)[0][..., 0]).save(plain / "normal" / "gray.png")
    Image.fromarray(_crops(1, 7)[0][..., 0].astype(np.uint16) * 200).save(plain / "normal" / "deep.png")
    Image.fromarray(_crops(1, 8)[0]).convert("RGBA").save(plain / "images" / "alpha.png")
    Image.fromarray(np.tile(_crops(1, 9)[0], (30, 30, 1))).save(plain / "images" / "huge.png")
    assert domain_main(["add", "odd", str(plain)]) == 0
    out = _rows(capsys)
    for what in (
        "normal/gray.png: L → 8-bit RGB",
        "normal/deep.png: I;16 → 8-bit RGB",
        "images/alpha.png: RGBA → 8-bit RGB",
        "images/huge.png: 2880x2880 → 2048x2048",
    ):
        assert what in out


def test_bad_folders_are_refused_before_anything_is_stored(plain, tmp_path, capsys):
    (plain / "images" / "cut.png").write_bytes((plain / "images" / "x_000.png").read_bytes()[:200])
    (plain / "images" / "notes.txt").write_text("hello")
    outside = tmp_path / "outside.png"
    Image.fromarray(_crops(1, 10)[0]).save(outside)
    os.symlink(outside, plain / "normal" / "link.png")
    assert domain_main(["add", "bad", str(plain)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "normal/link.png" in err and "images/cut.png" in err and "images/notes.txt" in err
    assert domain_main(["list"]) == 0 and "bad" not in _rows(capsys).split("source")[-1]


def test_too_few_normals_and_taken_names(plain, tmp_path, capsys):
    few = tmp_path / "few"
    _save(few / "normal", _crops(1, 11), "n")
    _save(few / "images", _crops(2, 12), "x")
    assert domain_main(["add", "few", str(few)]) == 2
    assert "at least 2 are needed" in " ".join(capsys.readouterr().err.split())
    assert domain_main(["add", "lab", str(plain)]) == 0
    assert domain_main(["add", "lab", str(plain)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert domain_main(["add", "lab", str(plain), "--replace"]) == 0
    assert domain_main(["add", "D9", str(plain)]) == 2
    assert run_main(["--domain", "nosuch", "--no-wandb"]) == 2
    assert "lab" in capsys.readouterr().err.split("choose from")[-1]


def test_a_manifest_keeps_its_splits_and_refuses_escaping_paths(mvtec, tmp_path, capsys):
    goods = sorted((mvtec / "train" / "good").iterdir())
    tests = (
        sorted((mvtec / "test" / "good").iterdir())[:4] + sorted((mvtec / "test" / "scratch").iterdir())[:4]
    )
    entries = [
        {
            "item_id": f"m{i}",
            "domain_code": "X",
            "query_path": str(p.relative_to(mvtec)),
            "ref_paths": [str(g.relative_to(mvtec)) for g in goods[:3]],
            "label": int("scratch" in str(p)),
            "split": "test" if i % 2 else "dev",
        }
        for i, p in enumerate(tests)
    ]
    manifest = mvtec / "manifest.json"
    manifest.write_text(json.dumps(entries))
    assert domain_main(["add", "man", str(manifest)]) == 0
    assert "manifest layout" in _rows(capsys)
    from db import Store

    row = Store().user_domain("man")
    assert sorted(i["split"] for i in row["items"]) == ["dev"] * 4 + ["test"] * 4
    assert all(len(i["ref_paths"]) == 3 for i in row["items"]) and len(row["normals"]) == 3
    assert sum(t["label"] for t in row["truth"]) == 4
    entries[0]["query_path"] = "../outside.png"
    manifest.write_text(json.dumps(entries))
    assert domain_main(["add", "man2", str(manifest)]) == 2
    assert "leaves the folder" in " ".join(capsys.readouterr().err.split())


def test_rulebook_and_report_take_a_registered_name(plain, tmp_path, capsys):
    from anomalyclaw.rulebook._cli import main as rulebook_main
    from eval.report import main as report_main

    assert domain_main(["add", "lab", str(plain), "--description", "Lab samples."]) == 0
    assert rulebook_main(["show", "lab"]) == 0
    assert "lab-r0001" in _rows(capsys)
    assert report_main(["--domain", "lab", "--out", str(tmp_path / "rep"), "--no-images"]) == 0
    assert (tmp_path / "rep" / "report-lab-v0.html").is_file()


def test_a_symlink_that_stays_inside_the_folder_is_fine(plain, capsys):
    os.symlink(plain / "normal" / "n_000.png", plain / "normal" / "again.png")
    assert domain_main(["add", "linked", str(plain)]) == 0
    assert "normal references: 7" in _rows(capsys)
