"""Shared fixtures: the lab's data files, loaded once per session."""

from __future__ import annotations

import pytest

from kmeans_em_lab.course import datasets


@pytest.fixture(scope="session")
def spotify() -> datasets.Spotify:
    """``data/spotify.p`` through :func:`kmeans_em_lab.course.datasets.load_spotify`."""
    return datasets.load_spotify()


@pytest.fixture(scope="session")
def gmm() -> datasets.Mixture:
    """``data/GMM.p`` through :func:`kmeans_em_lab.course.datasets.load_gmm`."""
    return datasets.load_gmm()


def pytest_configure(config):
    """Markers of the browser test (grader_tests/system/test_browser.py) and other long tests."""
    config.addinivalue_line("markers", "browser: drives JupyterLab in Chromium via Playwright")
    config.addinivalue_line("markers", "slow: takes a minute or more (`make test-fast` skips it)")


@pytest.fixture(autouse=True)
def _course_root_left_alone():
    """A test that grades in-process must restore ``LAB3_COURSE_ROOT`` (the CLI points it
    at the course it grades): left set, every later test would read another course."""
    import os

    before = os.environ.get("LAB3_COURSE_ROOT")
    yield
    after = os.environ.get("LAB3_COURSE_ROOT")
    assert after == before, f"this test left LAB3_COURSE_ROOT={after!r} (was {before!r})"
