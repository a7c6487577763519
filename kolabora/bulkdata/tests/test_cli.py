"""``kolabora import participants FILE``: summary, report, progress, exit status."""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import gettext

from kolabora.core.testing import World
from kolabora.participants.models import Participant

from .helpers import ELSEWHERE, csv_bytes, nik, person, xlsx_bytes

pytestmark = pytest.mark.django_db
# The command's module is named ``import``, a keyword: load it by name, as Django does.
Command = importlib.import_module("kolabora.bulkdata.management.commands.import").Command


def _call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_summary_counts_and_the_report_path(world: World, tmp_path: Path) -> None:
    path = tmp_path / "peserta.xlsx"
    path.write_bytes(xlsx_bytes([person(1), person(2), person(3, phone="1")]))
    out, err = _call("participants", str(path), "--batch", "2")
    report = tmp_path / "peserta.ditolak.csv"
    assert out.splitlines() == [
        "created 2, updated 0, unchanged 0, rejected 1",
        f"rejection report: {report}",
    ]
    assert "3/3 rows (100%)" in err  # the progress line
    assert report.read_text(encoding="utf-8-sig").splitlines()[1].startswith("4,phone,1,")
    again, _err = _call("participants", str(path))
    assert again.splitlines()[0] == "created 0, updated 0, unchanged 2, rejected 1"


def test_dry_run_and_acting_as_a_kecamatan_secretariat(world: World, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([person(1), person(2, kelurahan_code=ELSEWHERE)]))
    out, _err = _call("participants", str(path), "--dry-run", "--as", "kecamatan.uji")
    assert out.splitlines()[0] == "created 1, updated 0, unchanged 0, rejected 1 (dry run: nothing saved)"
    assert not Participant.objects.filter(nik=nik(1)).exists()


def test_exit_status_is_0_when_processed_and_1_when_unreadable(world: World, tmp_path: Path) -> None:
    good = tmp_path / "ok.csv"
    good.write_bytes(csv_bytes([person(1), person(2, nik="1")]))
    Command().run_from_argv(["kolabora", "import", "participants", str(good)])  # returns: exit status 0
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(SystemExit) as failed:
        Command().run_from_argv(["kolabora", "import", "participants", str(bad)])
    assert failed.value.code == 1
    with pytest.raises(CommandError, match="no such file"):
        _call("participants", str(tmp_path / "missing.csv"))
    with pytest.raises(
        CommandError, match=re.escape(gettext("No column was recognised for: %(fields)s.")[:20])
    ):
        other = tmp_path / "lain.csv"
        other.write_bytes(csv_bytes([{"A": "1", "B": "2"}], header=["A", "B"]))
        _call("participants", str(other))
