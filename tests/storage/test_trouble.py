"""Which database failures mean "try again later" (503 with Retry-After) rather than a bug
(500): the errors come from real SQLite connections, as the service would meet them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from festival.storage.db import storage_trouble


def test_a_write_lock_held_past_the_busy_timeout_is_storage_trouble(tmp_path: Path):
    path = tmp_path / "festival.db"
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # a long export, a stuck process
        with pytest.raises(sqlite3.OperationalError) as locked:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.close()
        waiter.close()

    trouble = storage_trouble(locked.value)

    assert trouble is not None
    assert trouble.message == "the database is busy with other writes"


def test_a_mistake_in_our_own_sql_is_not_storage_trouble(tmp_path: Path):
    connection = sqlite3.connect(tmp_path / "festival.db")
    try:
        with pytest.raises(sqlite3.OperationalError) as mistake:
            connection.execute("SELECT * FROM no_such_table")
    finally:
        connection.close()

    assert storage_trouble(mistake.value) is None
