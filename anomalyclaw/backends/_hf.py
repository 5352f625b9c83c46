"""The ``hf`` backend: a local transformers vision-language model as a DSPy engine.

Loads any directory that ``AutoProcessor`` and ``AutoModelForImageTextToText`` understand
(Qwen2.5-VL, LLaVA, Idefics3, …), renders the request with the processor's chat template
(images in place, as pixels) and generates greedily unless a temperature is set. Token
log-probabilities come from the generation scores. One model serves every thread, so
generation is serialised by a lock; scale out with the openai-compatible backend (vLLM).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

from dspy.clients.engines.base import validate_request
from dspy.lm15 import (
    ContextLengthError,
    ImagePart,
    Request,
    Response,
    TextPart,
    TokenLogprob,
    TopLogprob,
    response_to_events,
)
from PIL import Image

from anomalyclaw.backends._counting import AttemptCounter
from anomalyclaw.backends._wire import system_text, text_response
from anomalyclaw.errors import InputError

TOP_K = 5


def _messages(request: Request, *, system_role: bool) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = []
    sys_text = system_text(request)
    if sys_text and system_role:
        msgs.append({"role": "system", "content": [{"type": "text", "text": sys_text}]})
    for i, message in enumerate(request.messages):
        content: list[dict[str, Any]] = []
        if sys_text and not system_role and i == 0:
            content.append({"type": "text", "text": sys_text + "\n\n"})
        for part in message.parts:
            if isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
            elif isinstance(part, ImagePart):
                with Image.open(io.BytesIO(part.bytes)) as img:
                    content.append({"type": "image", "image": img.convert("RGB")})
        msgs.append({"role": message.role, "content": content})
    return msgs


class HFEngine:
    """A DSPy engine around a local transformers VLM directory.

    Args:
        model_dir: directory with the processor and model files (nothing is downloaded).
        device: 'cpu', 'cuda', or 'auto' (CUDA when available).
        max_new_tokens: cap on generated tokens (the request's max_tokens may lower it).
    """

    def __init__(self, model_dir: str | Path, *, device: str = "auto", max_new_tokens: int = 512) -> None:
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        path = Path(model_dir)
        if not (path / "config.json").is_file():
            raise InputError(
                f"{path}: not a transformers model directory (no config.json)",
                hint="pass --model DIR holding config.json, the weights and the processor files",
            )
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.name = path.name
        try:
            self.processor = AutoProcessor.from_pretrained(path, local_files_only=True)
        except ImportError as exc:  # e.g. Qwen2-VL's video processor needs torchvision
            raise InputError(
                f"{path}: its processor needs a package that is not installed ({exc})".splitlines()[0],
                hint="pip install torchvision matching your torch version",
            ) from exc
        model = AutoModelForImageTextToText.from_pretrained(path, local_files_only=True)
        self.model = model.to(device).eval()
        self.max_new_tokens = max_new_tokens
        text_cfg = getattr(self.model.config, "text_config", self.model.config)
        self.max_positions = int(getattr(text_cfg, "max_position_embeddings", 0) or 0)
        self.counter = AttemptCounter()
        self._lock = threading.Lock()
        self._system_role = True

    def _inputs(self, request: Request) -> Any:
        from jinja2 import TemplateError

        try:
            msgs = _messages(request, system_role=self._system_role)
            return self.processor.apply_chat_template(
                msgs, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
            )
        except TemplateError:
            if not self._system_role:
                raise
            self._system_role = False  # the template has no system role: fold it into the first turn
            return self._inputs(request)

    def complete(self, request: Request) -> Response:
        """Generate one reply (serialised across threads)."""
        import torch

        validate_request(request)
        cfg = request.config
        inputs = self._inputs(request).to(self.device)
        n_in = int(inputs["input_ids"].shape[1])
        max_new = min(self.max_new_tokens, cfg.max_tokens or self.max_new_tokens)
        if self.max_positions and n_in + max_new > self.max_positions:
            self.counter.record("context_overflow")
            raise ContextLengthError(
                f"{self.name}: prompt of {n_in} tokens + {max_new} new exceeds {self.max_positions} positions"
            )
        sample = bool(cfg.temperature)
        gen_kw: dict[str, Any] = {
            "max_new_tokens": max_new,
            "do_sample": sample,
            "output_scores": cfg.logprobs is not None,
            "return_dict_in_generate": True,
        }
        if sample:
            gen_kw["temperature"] = cfg.temperature
        with self._lock, torch.inference_mode():
            out = self.model.generate(**inputs, **gen_kw)
        new = out.sequences[0, n_in:]
        tok = self.processor.tokenizer
        text = tok.decode(new, skip_special_tokens=True)
        logprobs = None
        if cfg.logprobs is not None and out.scores:
            logprobs = self._logprobs(out.scores, new, max(cfg.logprobs, 1))
        self.counter.record("ok")
        return text_response(
            text, self.name, input_tokens=n_in, output_tokens=int(new.shape[0]), logprobs=logprobs
        )

    def _logprobs(self, scores: tuple[Any, ...], new: Any, top: int) -> tuple[TokenLogprob, ...]:
        tok = self.processor.tokenizer
        out = []
        for step, chosen in zip(scores, new.tolist(), strict=False):
            lp = step[0].float().log_softmax(-1)
            vals, idx = lp.topk(min(top, lp.shape[-1]))
            alts = tuple(
                TopLogprob(token=tok.decode([i]), logprob=float(v))
                for v, i in zip(vals.tolist(), idx.tolist(), strict=True)
            )
            out.append(TokenLogprob(token=tok.decode([chosen]), logprob=float(lp[chosen]), top=alts))
        return tuple(out)

    def stream(self, request: Request):
        """One complete response as events."""
        return response_to_events(self.complete(request))

    def close(self) -> None:
        """Nothing to release beyond memory."""
