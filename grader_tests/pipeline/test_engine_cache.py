"""The worker's gradebook engines (``pipeline/worker/engine_cache.py``): one per database, and
every gradebook opened on it reads and writes exactly as with its own engine."""

from __future__ import annotations

import pytest
from nbgrader import api
from nbgrader.api import Gradebook, MissingEntry

from kmeans_em_lab.pipeline.worker import engine_cache


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(api, "create_engine", api.create_engine)  # put back after the test
    engine_cache.install()
    return api.create_engine


def test_gradebooks_on_one_database_share_one_engine(installed, tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as first, Gradebook(url, "course") as second:
        assert first.engine is second.engine
    with Gradebook(f"sqlite:///{tmp_path / 'other.db'}", "course") as other:
        assert other.engine is not first.engine


def test_a_closed_gradebook_leaves_the_next_one_working(installed, tmp_path):
    """``Gradebook.close`` disposes of the shared engine's pool: the next gradebook on the
    database opens new connections and sees what the first one wrote."""
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, "course") as gb:
        gb.add_student("ada", first_name="Ada")
        gb.add_assignment("lab3")
    with Gradebook(url, "course") as gb:
        assert gb.find_student("ada").first_name == "Ada"
        gb.remove_student("ada")
    with Gradebook(url, "course") as outer:
        with Gradebook(url, "course") as inner:  # nested, as nbgrader's preprocessors are
            inner.add_student("grace")
        assert outer.find_student("grace").id == "grace"
        with pytest.raises(MissingEntry):
            outer.find_student("ada")


def test_install_is_idempotent(installed):
    engine_cache.install()
    assert api.create_engine is installed
    assert isinstance(api.create_engine, engine_cache.CachedCreateEngine)
