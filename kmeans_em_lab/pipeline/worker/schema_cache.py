"""nbgrader's check of the cells' metadata, with the schema checked once instead of per cell.

nbgrader's ``CheckCellMetadata`` runs twice per submission (after sanitizing,
after autograding) and validates every cell's ``nbgrader`` metadata with
``jsonschema.validate``, which first checks the schema itself against its
meta-schema, again for every cell: most of that preprocessor's time (a
worker's profile shows it). :func:`install` gives nbgrader's metadata validator a
``jsonschema`` whose ``validate`` builds one validator per schema and reuses
it; each cell is judged by that validator exactly as ``jsonschema.validate``
judges it, and the same error is raised. A worker calls it before grading.
"""

from __future__ import annotations

import json

import jsonschema


class CachedJsonschema:
    """The ``jsonschema`` module as nbgrader's validator uses it, ``validate`` caching."""

    def __init__(self) -> None:
        self._validators: dict[str, object] = {}

    def __getattr__(self, name: str):
        return getattr(jsonschema, name)

    def validate(self, instance, schema, cls=None, *args, **kwargs) -> None:
        """``jsonschema.validate``, the schema checked the first time it is seen only."""
        if cls is not None or args or kwargs:
            return jsonschema.validate(instance, schema, cls, *args, **kwargs)
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            kind = jsonschema.validators.validator_for(schema)
            kind.check_schema(schema)
            validator = self._validators.setdefault(key, kind(schema))
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error
        return None


def install() -> None:
    """Use :class:`CachedJsonschema` in nbgrader's metadata validation (idempotent)."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, CachedJsonschema):
        common.jsonschema = CachedJsonschema()
