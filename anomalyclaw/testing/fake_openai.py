"""A local OpenAI-compatible HTTP server for tests, benchmarks and demos (no model inside).

It answers ``POST /v1/chat/completions`` and ``GET /v1/models`` on 127.0.0.1. By default it
reads the DSPy prompt it receives and replies with a valid value for every output field
(the first option of a Literal, 0.5 for floats, [] for lists, …), so any signature gets a
parseable answer; ``overrides`` pins chosen fields. Faults are injected at the transport, as a
real server would produce them: a fixed delay, HTTP statuses (429 with ``Retry-After``, 5xx)
for the first requests or for all of them, malformed answers, and token log-probabilities on
request. It counts requests (and the most it served at once) and keeps their bodies, so tests can check
what the model saw.

Run standalone: ``python -m anomalyclaw.testing.fake_openai --port 8000 --delay 0.2``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from anomalyclaw.backends._decode import Decoded, Prompt, decode, default_value, render_reply

Answer = Callable[[dict[str, Any]], str]
Script = Callable[[Decoded], "dict[str, Any] | str | None"]
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


class FakeOpenAI:
    """A threaded fake chat-completions server; use as a context manager.

    Args:
        overrides: output field → value, applied on top of the type defaults.
        answer: replaces the whole reply: a string, or a function of the request body.
        script: a function of the decoded prompt (its input fields and output field names) that
            returns field values for this request (merged over the defaults and ``overrides``),
            a raw reply string (e.g. malformed), or None for the defaults.
        delay_s: seconds every request waits before answering (simulated model latency).
        faults: HTTP statuses returned, in order, by the first requests (e.g. ``[429, 503]``);
            the value ``0`` means "hang past the client's timeout" (``hang_s``).
        fail_always: a status returned by every request (persistent failure).
        retry_after: the ``Retry-After`` header sent with injected statuses (seconds).
        p_anomalous: probability the log-probabilities give to 'anomalous' at a label token.
        model: the model id the server lists and echoes.
        keep_bodies: how many request bodies to keep.
        reject_images: answer 400 to any request that carries an image (a text-only model).
        no_logprobs: never return log-probabilities, even when asked.
        thinking: prefix every reply with a ``<think>…</think>`` block (a reasoning model left in
            thinking mode).
        list_models: serve ``GET /v1/models`` (False: 404, as some gateways do).
    """

    def __init__(
        self,
        *,
        overrides: dict[str, Any] | None = None,
        answer: str | Answer | None = None,
        script: Script | None = None,
        delay_s: float = 0.0,
        faults: list[int] | None = None,
        fail_always: int | None = None,
        retry_after: float = 0.0,
        p_anomalous: float = 0.7,
        model: str = "fake-vlm",
        hang_s: float = 5.0,
        keep_bodies: int = 1000,
        reject_images: bool = False,
        no_logprobs: bool = False,
        thinking: bool = False,
        list_models: bool = True,
    ) -> None:
        self.reject_images, self.no_logprobs, self.thinking = reject_images, no_logprobs, thinking
        self.list_models = list_models
        self.overrides = dict(overrides or {})
        self.answer = answer
        self.script = script
        self.delay_s = delay_s
        self.faults: deque[int] = deque(faults or [])
        self.fail_always = fail_always
        self.retry_after = retry_after
        self.p_anomalous = p_anomalous
        self.model = model
        self.hang_s = hang_s
        self.bodies: deque[dict[str, Any]] = deque(maxlen=keep_bodies)
        self._lock = threading.Lock()
        self.requests = 0
        self.statuses: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self, port: int = 0) -> FakeOpenAI:
        """Listen on 127.0.0.1 (``port=0``: any free port) in a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- behaviour ---------------------------------------------------------------------
    def _next_fault(self) -> int | None:
        with self._lock:
            self.requests += 1
            fault = self.faults.popleft() if self.faults else self.fail_always
            self.statuses.append(fault if fault is not None else 200)
            return fault

    def reply_text(self, body: dict[str, Any]) -> str:
        """The assistant text for one request body."""
        if callable(self.answer):
            return self.answer(body)
        if isinstance(self.answer, str):
            return self.answer
        decoded = decode(Prompt.from_openai(body.get("messages") or []))
        values = {name: default_value(t) for name, t in decoded.outputs.items()}
        values.update({k: v for k, v in self.overrides.items() if k in values})
        scripted = self.script(decoded) if self.script is not None else None
        if isinstance(scripted, str):
            return scripted
        values.update({k: v for k, v in (scripted or {}).items() if k in values})
        return render_reply(values, decoded)

    def logprobs(self, text: str, top: int) -> dict[str, Any]:
        """Per-token log-probabilities of ``text``; label words get 'anomalous'/'normal' alternatives."""
        lp_a, lp_n = math.log(max(self.p_anomalous, 1e-9)), math.log(max(1 - self.p_anomalous, 1e-9))
        content = []
        for tok in _TOKEN.findall(text):
            if tok in ("anomalous", "normal"):
                alts = [{"token": "anomalous", "logprob": lp_a}, {"token": "normal", "logprob": lp_n}]
                chosen = lp_a if tok == "anomalous" else lp_n
                content.append({"token": tok, "logprob": chosen, "top_logprobs": alts[: max(top, 1)]})
            else:
                same = [{"token": tok, "logprob": 0.0}]
                content.append({"token": tok, "logprob": 0.0, "top_logprobs": same})
        return {"content": content}


def _has_image(body: dict[str, Any]) -> bool:
    return any(isinstance(part, dict) and part.get("type") == "image_url"
               for m in body.get("messages") or [] for part in (m.get("content") or [])
               if isinstance(m.get("content"), list))


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout we injected on purpose)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path.rstrip("/").endswith("/models") and self.fake.list_models:
            self._send(200, {"object": "list", "data": [{"id": self.fake.model, "object": "model"}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "body is not JSON"}})
            return
        fake = self.fake
        with fake._lock:
            fake.bodies.append(body)
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            self._answer(fake, body)
        finally:
            with fake._lock:
                fake.in_flight -= 1

    def _answer(self, fake: FakeOpenAI, body: dict[str, Any]) -> None:
        fault = fake._next_fault()
        if fake.delay_s:
            time.sleep(fake.delay_s)
        if fault == 0:
            time.sleep(fake.hang_s)
            fault = 504
        if fault is not None:
            self._send(
                fault,
                {"error": {"message": f"injected HTTP {fault}"}},
                {"Retry-After": str(fake.retry_after)},
            )
            return
        if fake.reject_images and _has_image(body):
            self._send(400, {"error": {"message": "this model does not accept image inputs"}})
            return
        text = fake.reply_text(body)
        if fake.thinking:
            text = "<think>\nLet me look at the image carefully first.\n</think>\n" + text
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": "stop",
        }
        if body.get("logprobs") and not fake.no_logprobs:
            choice["logprobs"] = fake.logprobs(text, int(body.get("top_logprobs") or 0))
        n_prompt = sum(len(str(m.get("content"))) // 4 for m in body.get("messages") or [])
        self._send(
            200,
            {
                "id": f"fake-{fake.requests}",
                "object": "chat.completion",
                "model": fake.model,
                "choices": [choice],
                "usage": {
                    "prompt_tokens": n_prompt,
                    "completion_tokens": len(text) // 4,
                    "total_tokens": n_prompt + len(text) // 4,
                },
            },
        )


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    p = argparse.ArgumentParser(
        prog="python -m anomalyclaw.testing.fake_openai",
        description="Local fake OpenAI-compatible server (no model inside).",
    )
    p.add_argument("--port", type=int, default=8000, help="TCP port on 127.0.0.1 (default 8000)")
    p.add_argument("--delay", type=float, default=0.0, help="seconds each request waits (default 0)")
    p.add_argument("--p-anomalous", type=float, default=0.7, help="label probability in logprobs")
    args = p.parse_args(argv)
    fake = FakeOpenAI(delay_s=args.delay, p_anomalous=args.p_anomalous).start(args.port)
    print(f"fake OpenAI server at {fake.base_url} (Ctrl-C stops)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
