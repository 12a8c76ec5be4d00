"""Every rule of the rule table is produced by at least one test case: asserted from the problems
the cases made (recorded in conftest), not by reading the test files. Runs last (by its name)."""

from __future__ import annotations

import pytest

from okaxl.rules import RULES
from tests.conftest import PRODUCED, RAN


def test_every_rule_is_produced_by_a_case(request):
    others = [item.nodeid for item in request.session.items if item.nodeid != request.node.nodeid]
    if set(others) - RAN:
        pytest.skip("needs the whole suite (a part of it was selected)")
    missing = sorted(code for code in RULES if code not in PRODUCED)
    assert missing == []
