"""Issue 11: the model is path-blind. Misleading file names, folders and ids never reach a prompt,
and renaming files or shuffling ids does not change a score."""

import shutil

import numpy as np
import pytest

from anomalyclaw.agent import Agent, AgentConfig
from anomalyclaw.backends._decode import Prompt
from anomalyclaw.data import Domain, GroundTruth, Item
from anomalyclaw.testing import FakeOpenAI

pytestmark = pytest.mark.slow  # scores the domain twice through tools

MARK = "zqx"  # appears in every misleading name, and nowhere in honest text


def _misnamed(domain: Domain, root) -> tuple[Domain, dict[str, str]]:
    """A copy whose names say the opposite of the truth, with shuffled ids; new id → old id."""
    rng = np.random.default_rng(1)
    moved = {}

    def move(path, stem):
        folder = root / f"{MARK}_{stem}_dir"
        folder.mkdir(parents=True, exist_ok=True)
        new = folder / f"{MARK}_{stem}_{len(moved):03d}.png"
        shutil.copy(path, new)
        moved[path] = new
        return new

    items, truth, back = [], {}, {}
    for n, it in zip(rng.permutation(len(domain.items)), domain.items, strict=True):
        label = domain.truth[it.item_id].label
        new_id = f"{MARK.upper()}_{n:04d}_{'good' if label else 'defect'}"
        q = move(it.query_path, "good" if label else "defect")
        refs = tuple(moved.get(p) or move(p, "crack_ref") for p in it.ref_paths)
        items.append(
            Item(
                item_id=new_id,
                domain_code=it.domain_code,
                split=it.split,
                query_path=q,
                ref_paths=refs,
                category=f"{MARK}_category",
                data_source=it.data_source,
            )
        )
        truth[new_id] = GroundTruth(item_id=new_id, label=label)
        back[new_id] = it.item_id
    pool = tuple(moved.get(p) or move(p, "crack_pool") for p in domain.normal_pool)
    return Domain(spec=domain.spec, items=tuple(items), truth=truth, normal_pool=pool), back


def _untimed(history):
    return [{k: v for k, v in turn.items() if k != "seconds"} for turn in history]


@pytest.fixture(scope="module")
def misnamed(brick_domain, tmp_path_factory):
    return _misnamed(brick_domain, tmp_path_factory.mktemp("names"))


def test_no_name_folder_or_id_reaches_any_prompt(misnamed, brick_experts):
    domain, _ = misnamed
    cands = [{"name": "spot", "box": [0.2, 0.2, 0.5, 0.5]}, {"name": "edge", "box": [0.6, 0.6, 0.9, 0.9]}]

    def script(d):
        if "candidates" in d.outputs:
            return {
                "candidates": cands,
                "refute_first": 1,
                "action": "use_tool",
                "tool": "side_by_side_compare",
            }
        if "verdict" in d.outputs:
            return {
                "verdict": "inconclusive",
                "action": "use_tool",
                "next_candidate": 2,
                "tool": "expert_heatmap",
            }
        return None

    with FakeOpenAI(script=script) as fake:
        config = AgentConfig(backend="openai-compatible", model="hosted_vllm/m", api_base=fake.base_url)
        agent = Agent(config, "Mortar lines are normal.", domain, experts=brick_experts)
        recs = [agent.score(it) for it in domain.items[:4]]
        bodies = list(fake.bodies)
    assert all(r.tools_used for r in recs)
    texts = [
        seg for b in bodies for seg in Prompt.from_openai(b["messages"]).segments if isinstance(seg, str)
    ]
    texts += [Prompt.from_openai(b["messages"]).system for b in bodies]
    assert len(bodies) >= 4 * 5 and texts
    leaks = [t for t in texts if MARK in t.lower() or "T1_" in t]
    assert not leaks, leaks[0][:200]


def test_renaming_and_shuffling_ids_leaves_policy_scores_unchanged(brick_domain, misnamed, brick_experts):
    domain, back = misnamed
    plain = Agent(AgentConfig(), "Mortar lines are normal.", brick_domain, experts=brick_experts)
    renamed = Agent(AgentConfig(), "Mortar lines are normal.", domain, experts=brick_experts)
    subset = [it for it in domain.items if it.item_id.endswith("good")][:2] + [
        it for it in domain.items if it.item_id.endswith("defect")
    ][:2]
    originals = {it.item_id: it for it in brick_domain.items}
    before = {back[it.item_id]: plain.score(originals[back[it.item_id]]) for it in subset}
    for it in subset:
        rec = renamed.score(it)
        old = before[back[it.item_id]]
        assert (rec.anomaly_score, rec.direct_score, rec.refutation_score) == (
            old.anomaly_score,
            old.direct_score,
            old.refutation_score,
        )
        assert _untimed(rec.history) == _untimed(old.history)
