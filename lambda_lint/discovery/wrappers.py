"""Tracing and monitoring wrappers: the deployed handler is the vendor's, the real one is in
an environment variable that the vendor's handler imports on the first invocation.

Each vendor documents the handler to deploy and the variable that names the original:

* Datadog: ``datadog_lambda.handler.handler`` with ``DD_LAMBDA_HANDLER``;
* New Relic: ``newrelic_lambda_wrapper.handler`` with ``NEW_RELIC_LAMBDA_HANDLER``;
* Lumigo (auto-instrumentation): ``lumigo_tracer._handler`` with ``LUMIGO_ORIGINAL_HANDLER``;
* Sentry (Python layer): ``sentry_sdk.integrations.init_serverless_sdk.sentry_lambda_handler``
  with ``SENTRY_INITIAL_HANDLER``;
* Epsagon: ``epsagon.wrapper`` with ``EPSAGON_HANDLER``;
* Thundra: ``thundra.handler.wrapper`` with ``thundra_agent_lambda_handler``;
* Instana: ``instana.lambda_handler`` with ``LAMBDA_HANDLER``.

Wrappers that keep the handler and hook in through ``AWS_LAMBDA_EXEC_WRAPPER``
(OpenTelemetry, Elastic, Splunk, Dynatrace) need nothing here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Wrapper:
    vendor: str
    variables: Tuple[str, ...]  # the environment variables naming the real handler, first wins


_DATADOG = Wrapper("Datadog", ("DD_LAMBDA_HANDLER",))
_NEW_RELIC = Wrapper("New Relic", ("NEW_RELIC_LAMBDA_HANDLER",))
_LUMIGO = Wrapper("Lumigo", ("LUMIGO_ORIGINAL_HANDLER",))
_SENTRY = Wrapper("Sentry", ("SENTRY_INITIAL_HANDLER",))
_EPSAGON = Wrapper("Epsagon", ("EPSAGON_HANDLER",))
_THUNDRA = Wrapper("Thundra", ("thundra_agent_lambda_handler", "THUNDRA_AGENT_LAMBDA_HANDLER"))
_INSTANA = Wrapper("Instana", ("LAMBDA_HANDLER",))

WRAPPERS: Dict[str, Wrapper] = {
    "datadog_lambda.handler.handler": _DATADOG,
    "newrelic_lambda_wrapper.handler": _NEW_RELIC,
    "newrelic_lambda_wrapper.lambda_handler": _NEW_RELIC,
    "lumigo_tracer._handler": _LUMIGO,
    "lumigo_tracer.auto_instrument_handler._handler": _LUMIGO,
    "sentry_sdk.integrations.init_serverless_sdk.sentry_lambda_handler": _SENTRY,
    "epsagon.wrapper": _EPSAGON,
    "epsagon.handler.wrapper": _EPSAGON,
    "thundra.handler.wrapper": _THUNDRA,
    "instana.lambda_handler": _INSTANA,
}

# Top-level packages of these vendors: a handler in one of them that is not in
# the project comes from a layer or a dependency, not from a missing file.
VENDOR_PACKAGES = frozenset(
    {"datadog_lambda", "newrelic_lambda_wrapper", "newrelic_lambda", "lumigo_tracer", "sentry_sdk",
     "epsagon", "thundra", "instana", "serverless_sdk", "iopipe"}
)


def wrapper_of(spec: str) -> Optional[Wrapper]:
    return WRAPPERS.get(spec.strip().replace("/", "."))


def is_vendor_module(module_parts) -> bool:
    return bool(module_parts) and module_parts[0] in VENDOR_PACKAGES
