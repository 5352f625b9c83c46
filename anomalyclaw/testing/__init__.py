"""Fakes that ship with the package: a local OpenAI-compatible server for tests and benchmarks."""

from anomalyclaw.testing.fake_openai import FakeOpenAI

__all__ = ["FakeOpenAI"]
