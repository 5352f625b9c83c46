"""Fakes for evolution tests: a bag-of-words embedder and a dspy engine with canned answers."""

from __future__ import annotations

import json
import zlib

import numpy as np
from dspy.lm15 import Message, Response, TextPart, Usage, response_to_events


class BagOfWords:
    """A deterministic stand-in embedder: hashed word counts, L2-normalised."""

    def encode(self, texts):
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().replace(".", "").split():
                out[i, zlib.crc32(w.encode()) % 256] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class FakeEngine:
    """A dspy engine answering canned text (thread-safe enough: one answer list, read in order)."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.requests = []

    def complete(self, request):
        self.requests.append(request)
        text = self.texts.pop(0) if self.texts else "no more answers"
        return Response(id=None, model="fake", message=Message.assistant([TextPart(text)]),
                        finish_reason="stop", usage=Usage(input_tokens=1, output_tokens=1, total_tokens=2))

    def stream(self, request):
        return response_to_events(self.complete(request))

    def close(self):
        pass


def chat(proposals) -> str:
    return f"[[ ## proposals ## ]]\n{json.dumps(proposals)}\n\n[[ ## completed ## ]]"
