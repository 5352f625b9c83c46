"""The prompt decoder reads what DSPy wrote, and its replies parse back through DSPy."""

import dspy
import pytest

import anomalyclaw.backends  # noqa: F401  (sets the offline LiteLLM flag before DSPy calls)
from anomalyclaw.agent._signatures import SIGNATURES, DirectInspection, RefuteStep
from anomalyclaw.backends._decode import Prompt, decode, default_value, render_reply
from anomalyclaw.backends._wire import text_response


class Scripted:
    """An engine that records each request and answers with ``reply(decoded)``."""

    def __init__(self, reply):
        self.reply, self.seen = reply, []

    def complete(self, request):
        decoded = decode(Prompt.from_request(request))
        self.seen.append(decoded)
        return text_response(self.reply(decoded), "scripted")


def _inputs(signature, images):
    q, r1, r2 = images
    values = {
        "domain": "Brain MRI slices.",
        "rulebook": "1. Symmetric folds are normal.",
        "tools": "zoom: look closer",
        "max_candidates": 3,
        "references": [r1, r2],
        "query": q,
        "candidates": "1. dark spot (untested)",
        "current_candidate": 1,
        "last_action": "zoom on candidate 1",
        "observation": "no such spot in ref 1",
        "observation_image": r1,
        "turns_left": 2,
    }
    return {k: values[k] for k in signature.input_fields}


@pytest.mark.parametrize("adapter", [dspy.ChatAdapter(), dspy.JSONAdapter()])
@pytest.mark.parametrize("signature", SIGNATURES)
def test_decoded_request_and_rendered_reply_round_trip(signature, adapter, images):
    wanted = {}

    def reply(decoded):
        values = {n: default_value(t) for n, t in decoded.outputs.items()}
        wanted.update(values)
        return render_reply(values, decoded)

    engine = Scripted(reply)
    lm = dspy.LM("scripted/x", engine=engine, cache=False)
    with dspy.context(lm=lm, adapter=adapter):
        pred = dspy.Predict(signature)(**_inputs(signature, images))
    decoded = engine.seen[0]
    assert set(decoded.outputs) == set(signature.output_fields)
    assert decoded.json_mode == isinstance(adapter, dspy.JSONAdapter)
    assert len(decoded.images("references")) == 2 and len(decoded.images("query")) == 1
    assert decoded.text("domain") == "Brain MRI slices."
    for name, value in wanted.items():
        got = getattr(pred, name)
        assert (got.model_dump() if hasattr(got, "model_dump") else got) == value


def test_step_inputs_are_read_field_by_field(images):
    engine = Scripted(lambda d: render_reply({n: default_value(t) for n, t in d.outputs.items()}, d))
    lm = dspy.LM("scripted/x", engine=engine, cache=False)
    with dspy.context(lm=lm, adapter=dspy.ChatAdapter()):
        dspy.Predict(RefuteStep)(**_inputs(RefuteStep, images))
    d = engine.seen[0]
    assert d.text("observation") == "no such spot in ref 1"
    assert d.text("turns_left") == "2"
    assert len(d.images("observation_image")) == 1
    assert d.kind() == frozenset(RefuteStep.output_fields)
    assert d.kind() != frozenset(DirectInspection.output_fields)


def test_default_values_follow_declared_types():
    assert default_value("Literal['normal', 'anomalous']") == "normal"
    assert default_value("float") == 0.5
    assert default_value("Union[list[float], NoneType]") is None
    assert default_value("list[CandidateProposal]") == []
    assert default_value("dict[str, Any]") == {}
