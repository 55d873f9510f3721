"""Property-based fuzzing of the OpenAPI document with schemathesis: no 5xx, and every
response agrees with the schema (status codes, content types, bodies)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

OPERATIONS = ["POST /api/v1/search", "POST /api/v1/ask", "POST /api/v1/feedback",
              "GET /api/v1/documents", "GET /api/v1/health"]  # fmt: skip


CASES = [(label, GenerationMode.POSITIVE) for label in OPERATIONS] + [
    (label, GenerationMode.NEGATIVE) for label in OPERATIONS if label.startswith("POST")
]  # operations without input have no invalid input to generate


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_api_conforms_to_its_openapi_document(make_app, label, mode):
    # bodies over the size limit get 413, which schemathesis does not count as a rejection of
    # invalid input; the limit has its own tests (test_errors.py)
    app = make_app(MAX_CONTENT_LENGTH=1024 * 1024)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {op.ok().label: op.ok() for op in schema.get_all_operations()}
    assert set(OPERATIONS) <= set(operations)

    @given(case=operations[label].as_strategy(generation_mode=mode))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def fuzz(case):
        case.call_and_validate()

    fuzz()
