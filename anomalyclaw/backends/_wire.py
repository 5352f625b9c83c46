"""Canonical DSPy requests ↔ OpenAI chat-completions JSON, and the request's text/image parts.

Shared by the HTTP engine (what goes on the wire), the hf engine (chat-template messages)
and the policy engine (which reads the request the way a model would).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
from dspy.lm15 import ImagePart, Message, Request, Response, TextPart, TokenLogprob, TopLogprob, Usage
from PIL import Image

from anomalyclaw.images import to_rgb_array

FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_call", "content_filter": "content_filter"}


def system_text(request: Request) -> str:
    """The request's system prompt as one string ('' when there is none)."""
    if request.system is None:
        return ""
    if isinstance(request.system, str):
        return request.system
    return "".join(getattr(p, "text", "") for p in request.system)


def iter_parts(request: Request) -> Iterator[tuple[str, Any]]:
    """``(role, part)`` for every part of every message, in order."""
    for message in request.messages:
        for part in message.parts:
            yield message.role, part


def image_bytes(part: ImagePart) -> bytes:
    """The encoded bytes of an inline image part."""
    return part.bytes


def decode_image(part: ImagePart) -> np.ndarray:
    """An inline image part as an (H, W, 3) uint8 RGB array."""
    with Image.open(io.BytesIO(image_bytes(part))) as img:
        return to_rgb_array(img)


def _image_url(part: ImagePart) -> str:
    if part.url is not None:
        return part.url
    data = part.data if isinstance(part.data, str) else base64.b64encode(image_bytes(part)).decode()
    return f"data:{part.media_type};base64,{data}"


def to_openai_messages(request: Request) -> list[dict[str, Any]]:
    """The request as OpenAI chat messages (text and ``image_url`` content parts)."""
    out: list[dict[str, Any]] = []
    sys_text = system_text(request)
    if sys_text:
        out.append({"role": "system", "content": sys_text})
    for message in request.messages:
        content: list[dict[str, Any]] = []
        for part in message.parts:
            if isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
            elif isinstance(part, ImagePart):
                content.append({"type": "image_url", "image_url": {"url": _image_url(part)}})
        if message.role == "assistant":
            out.append({"role": "assistant", "content": "".join(c.get("text", "") for c in content)})
        else:
            out.append({"role": message.role, "content": content})
    return out


def _logprobs(choice: dict[str, Any]) -> tuple[TokenLogprob, ...] | None:
    content = ((choice.get("logprobs") or {}).get("content")) or None
    if not content:
        return None
    return tuple(
        TokenLogprob(
            token=t.get("token", ""),
            logprob=float(t.get("logprob", 0.0)),
            top=tuple(
                TopLogprob(token=a.get("token", ""), logprob=float(a.get("logprob", 0.0)))
                for a in t.get("top_logprobs") or ()
            ),
        )
        for t in content
    )


def from_openai_json(body: dict[str, Any], model: str) -> Response:
    """A canonical Response from an OpenAI chat-completions body.

    Raises:
        ValueError: the body has no choices or no message text.
    """
    choices = body.get("choices") or []
    if not choices:
        raise ValueError("response has no choices")
    choice = choices[0]
    text = (choice.get("message") or {}).get("content")
    if text is None:
        raise ValueError("response choice has no message content")
    usage = body.get("usage") or {}
    return Response(
        id=body.get("id") or None,
        model=body.get("model") or model,
        message=Message.assistant((TextPart(text),)),
        finish_reason=FINISH.get(choice.get("finish_reason") or "stop", "stop"),
        usage=Usage(input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens")),
        logprobs=_logprobs(choice),
    )


def text_response(
    text: str,
    model: str,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    logprobs: tuple[TokenLogprob, ...] | None = None,
) -> Response:
    """A canonical Response holding plain text (offline engines)."""
    return Response(
        id=None,
        model=model,
        message=Message.assistant((TextPart(text),)),
        finish_reason="stop",
        usage=Usage(input_tokens=input_tokens, output_tokens=output_tokens),
        logprobs=logprobs,
    )
