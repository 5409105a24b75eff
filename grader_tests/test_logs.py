"""Diagnostics on stderr (kmeans_em_lab/logs.py), and ``--log-level`` on every command."""

from __future__ import annotations

import logging

import pytest

from kmeans_em_lab import logs
from kmeans_em_lab.__main__ import main


@pytest.fixture(autouse=True)
def _restore_the_logger():
    logger = logging.getLogger(logs.LOGGER)
    level, handlers = logger.level, list(logger.handlers)
    yield
    logger.setLevel(level)
    logger.handlers[:] = handlers


def test_the_level_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.delenv(logs.ENV_VAR, raising=False)
    assert logs.level_from() == logging.WARNING
    monkeypatch.setenv(logs.ENV_VAR, "INFO")
    assert logs.level_from() == logging.INFO
    assert logs.level_from("debug") == logging.DEBUG
    monkeypatch.setenv(logs.ENV_VAR, "loud")
    with pytest.raises(ValueError, match=r"LAB3_LOG_LEVEL: no log level 'loud' \(one of debug"):
        logs.level_from()


def test_configuring_again_changes_the_level_not_the_handlers(capsys):
    logger = logging.getLogger(logs.LOGGER)
    with capsys.disabled():  # a handler made while another stderr was in place
        logs.configure("info")
    count = len(logger.handlers)
    logs.configure("debug")
    assert len(logger.handlers) == count and logger.level == logging.DEBUG
    logging.getLogger("kmeans_em_lab.pipeline.driver.run").debug("a diagnostic")
    logging.getLogger("kmeans_em_lab.pipeline.driver.run").debug("a diagnostic")
    err = capsys.readouterr().err
    assert err.count("DEBUG kmeans_em_lab.pipeline.driver.run: a diagnostic") == 2  # one handler


def test_every_command_takes_log_level(monkeypatch, capsys):
    monkeypatch.delenv(logs.ENV_VAR, raising=False)
    assert main(["canvas", "--if-roster", "--log-level", "INFO"]) == 0
    assert logging.getLogger(logs.LOGGER).level == logging.INFO
    with pytest.raises(SystemExit) as exit_:
        main(["canvas", "--log-level", "loud"])
    assert exit_.value.code == 2 and "invalid choice: 'loud'" in capsys.readouterr().err
    monkeypatch.setenv(logs.ENV_VAR, "loud")
    with pytest.raises(SystemExit) as exit_:
        main(["canvas", "--if-roster"])
    assert exit_.value.code == 2 and "LAB3_LOG_LEVEL: no log level" in capsys.readouterr().err


def test_a_logged_message_cannot_drive_the_terminal(capsys):
    """A flag or message the grader logs may quote a submission: its escapes are written out."""
    logs.configure("info")
    logging.getLogger("kmeans_em_lab.pipeline.driver.cluster").info(
        "flags: %s", "\x1b[2J\rada 100/100\u202e\nnext line"
    )
    err = capsys.readouterr().err
    assert "\\x1b[2J\\rada 100/100\\u202e\nnext line" in err
    assert "\x1b" not in err and "\r" not in err and "\u202e" not in err
