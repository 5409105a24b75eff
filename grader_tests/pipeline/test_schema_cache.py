"""The cached metadata check judges every cell as nbgrader's own ``jsonschema.validate``."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
from nbgrader.nbgraderformat import common

from kmeans_em_lab.pipeline.worker import schema_cache

SCHEMA = json.loads(open(os.path.join(common.root, "v3.json")).read())
GOOD = {
    "grade": True,
    "grade_id": "test_Set_public",
    "locked": True,
    "points": 5,
    "schema_version": 3,
    "solution": False,
    "task": False,
}
BAD = [
    {**GOOD, "points": "five"},
    {k: v for k, v in GOOD.items() if k != "grade_id"},
    {**GOOD, "grade": "yes"},
]


def _error(validate, instance):
    try:
        validate(instance, SCHEMA)
    except jsonschema.ValidationError as err:
        return type(err), err.message, list(err.path)
    return None


@pytest.mark.parametrize("instance", [GOOD, *BAD])
def test_the_same_verdict_and_error_as_jsonschema(instance):
    cached = schema_cache.CachedJsonschema()
    assert _error(cached.validate, instance) == _error(jsonschema.validate, instance)
    assert _error(cached.validate, instance) == _error(jsonschema.validate, instance)  # reused


def test_the_schema_is_checked_once(monkeypatch):
    cached = schema_cache.CachedJsonschema()
    kind = jsonschema.validators.validator_for(SCHEMA)
    checks = []
    monkeypatch.setattr(kind, "check_schema", classmethod(lambda cls, s: checks.append(s)))
    for _ in range(3):
        cached.validate(GOOD, SCHEMA)
    assert len(checks) == 1


def test_install_swaps_nbgraders_module_once(monkeypatch):
    monkeypatch.setattr(common, "jsonschema", jsonschema)
    schema_cache.install()
    installed = common.jsonschema
    schema_cache.install()
    assert isinstance(installed, schema_cache.CachedJsonschema) and common.jsonschema is installed
    assert common.jsonschema.ValidationError is jsonschema.ValidationError
    validator = common.BaseMetadataValidator.__new__(common.BaseMetadataValidator)
    validator.schema, validator.schema_version = SCHEMA, 3
    validator.validate_cell(type("Cell", (), {"metadata": {"nbgrader": GOOD}})())
    with pytest.raises(jsonschema.ValidationError):
        validator.validate_cell(type("Cell", (), {"metadata": {"nbgrader": BAD[0]}})())
