"""HEAD answers wherever GET does: the same status and headers' meaning, an empty body.

Monitors and link checkers send HEAD (`curl -I /healthz`); a 405 there reads as an outage.
The URL list and the personas are the access matrix's.
"""

import pytest

from tests.test_access_matrix import MATRIX, PERSONAS, _outcome, no_report_generation, objects

__all__ = ["no_report_generation", "objects"]  # fixtures, used by name


@pytest.mark.parametrize("name", MATRIX)
def test_it_answers_head_as_it_answers_get(name, personas, client_for, objects):
    path, expected, _, _ = MATRIX[name]
    url = path.format(**objects)
    mismatches = []
    for persona, get_outcome in zip(PERSONAS, expected, strict=True):
        if get_outcome == 405:
            continue  # this persona may not GET it; nothing to compare
        client = client_for(personas[persona])
        get, head = client.get(url), client.head(url)
        _body(get)  # read to the end, which closes a file response
        body = _body(head)
        if (_outcome(head), head.get("Location")) != (_outcome(get), get.get("Location")):
            mismatches.append(f"HEAD {url} as {persona}: {head.status_code}, GET {get_outcome}")
        elif body:
            mismatches.append(f"HEAD {url} as {persona}: a body of {len(body)} bytes")
    assert mismatches == []


def _body(response) -> bytes:
    """Everything the response would send (CSV exports and reports are streamed)."""
    return b"".join(response.streaming_content) if response.streaming else response.content
