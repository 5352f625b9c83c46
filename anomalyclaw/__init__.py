"""anomalyclaw: training-free visual anomaly detection by a tool-using VLM agent.

Subpackages: ``anomalyclaw.data`` (domains), ``anomalyclaw.agent`` (DSPy program),
``anomalyclaw.record`` (the per-item Record contract).
"""

__version__ = "0.1.0"
