"""Your own images as a domain: MVTec-style folders, plain folders or a manifest, checked and stored.

``python -m anomalyclaw.domain add NAME PATH`` registers one; every command that takes
``--domain D9`` then takes ``NAME`` as well (:func:`resolve_domain_code`, :func:`load_user_domain`).
"""

from anomalyclaw.userdata._files import domains_home
from anomalyclaw.userdata._layouts import detect
from anomalyclaw.userdata._register import NEUTRAL, build_payload, check_name, domain_from_payload
from anomalyclaw.userdata._resolve import load_user_domain, resolve_domain_code

__all__ = ["NEUTRAL", "build_payload", "check_name", "detect", "domain_from_payload", "domains_home",
           "load_user_domain", "resolve_domain_code"]
