"""Read a DSPy-formatted prompt the way a model would, and write a reply DSPy can parse.

The policy engine and the fake OpenAI server answer signatures without knowing their
classes: they read the adapter's system prompt (which lists the output fields and their
types) and the user message (``[[ ## field ## ]]`` markers followed by text or images).
Both DSPy adapters are understood: ChatAdapter (field markers in the reply) and JSONAdapter
(one JSON object).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from dspy.lm15 import ImagePart, Request, TextPart

from anomalyclaw.backends._wire import system_text

Segment = str | bytes  # text, or an encoded image
_MARKER = re.compile(r"\[\[ ## (\w+) ## \]\]\n?")
_OUT_FIELD = re.compile(r"^\d+\. `(\w+)` \((.*?)\)(?::|$)", re.MULTILINE)
_TAILS = ("\n\nRespond with the corresponding output fields", "\n\nRespond with a JSON object")


@dataclass
class Prompt:
    """A prompt reduced to its system text and an ordered list of text / image segments."""

    system: str
    segments: list[Segment] = field(default_factory=list)

    @classmethod
    def from_request(cls, request: Request) -> Prompt:
        """From a canonical DSPy request (engines)."""
        segs: list[Segment] = []
        for message in request.messages:
            for part in message.parts:
                if isinstance(part, TextPart):
                    segs.append(part.text)
                elif isinstance(part, ImagePart):
                    segs.append(part.bytes)
        return cls(system_text(request), segs)

    @classmethod
    def from_openai(cls, messages: list[dict[str, Any]]) -> Prompt:
        """From OpenAI chat messages (the fake server); images must be base64 data URLs."""
        system, segs = "", []
        for m in messages:
            content = m.get("content")
            if m.get("role") == "system":
                system += content if isinstance(content, str) else "".join(c.get("text", "") for c in content)
                continue
            for c in [{"type": "text", "text": content}] if isinstance(content, str) else content or []:
                if c.get("type") == "text":
                    segs.append(c.get("text", ""))
                elif c.get("type") == "image_url":
                    url = c["image_url"]["url"]
                    segs.append(base64.b64decode(url.split(",", 1)[1]) if url.startswith("data:") else b"")
        return cls(system, segs)


@dataclass
class Decoded:
    """What a prompt asks: input values by field, output field types, reply format."""

    inputs: dict[str, list[Segment]]
    outputs: dict[str, str]
    json_mode: bool

    def text(self, name: str, default: str = "") -> str:
        """An input field's text, stripped ('' when absent)."""
        segs = self.inputs.get(name)
        if segs is None:
            return default
        return "".join(s for s in segs if isinstance(s, str)).strip()

    def images(self, name: str) -> list[bytes]:
        """An input field's encoded images, in order."""
        return [s for s in self.inputs.get(name, []) if isinstance(s, bytes) and s]

    def kind(self) -> frozenset[str]:
        """The set of output field names: how a responder recognises the signature."""
        return frozenset(self.outputs)


def decode(prompt: Prompt) -> Decoded:
    """Split a DSPy prompt into input fields and output field declarations."""
    out_block = prompt.system.split("Your output fields are:", 1)[-1].split("All interactions", 1)[0]
    outputs = {m.group(1): m.group(2) for m in _OUT_FIELD.finditer(out_block)}
    inputs: dict[str, list[Segment]] = {}
    current: list[Segment] | None = None
    for seg in prompt.segments:
        if isinstance(seg, bytes):
            if current is not None:
                current.append(seg)
            continue
        for tail in _TAILS:
            seg = seg.split(tail, 1)[0]
        pos = 0
        for m in _MARKER.finditer(seg):
            if current is not None and m.start() > pos:
                current.append(seg[pos : m.start()])
            current = inputs.setdefault(m.group(1), [])
            pos = m.end()
        if current is not None and pos < len(seg):
            current.append(seg[pos:])
    json_mode = "Outputs will be a JSON object" in prompt.system
    return Decoded(inputs, outputs, json_mode)


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def render_reply(values: dict[str, Any], decoded: Decoded) -> str:
    """A reply the same adapter parses back into ``values`` (fields in declared order)."""
    ordered = {k: values[k] for k in decoded.outputs if k in values}
    if decoded.json_mode:
        return json.dumps(ordered)
    parts = [f"[[ ## {k} ## ]]\n{_value_text(v)}" for k, v in ordered.items()]
    return "\n\n".join(parts + ["[[ ## completed ## ]]"])


def default_value(type_text: str) -> Any:
    """A valid placeholder for a field of the declared type (first Literal option, 0.5, [] …)."""
    t = type_text.strip()
    if t.startswith("Literal["):
        options = re.findall(r"'([^']*)'", t)
        return options[0] if options else ""
    if "NoneType" in t or t.startswith("Optional"):
        return None
    if t.startswith("list"):
        return []
    if t.startswith("dict"):
        return {}
    return {"float": 0.5, "int": 0, "bool": False}.get(t, "n/a")
