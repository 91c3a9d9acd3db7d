"""The ``turnabout match`` command on the example files and on broken input."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from turnabout.engine.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
MENTORS, MENTEES, RULES = EXAMPLES / "mentors.csv", EXAMPLES / "mentees.csv", EXAMPLES / "rules.toml"


def _run(tmp_path: Path, *extra: str, mentors: Path = MENTORS, mentees: Path = MENTEES, rules: Path = RULES) -> tuple[int, Path]:
    out = tmp_path / "pairs.csv"
    status = main(["--mentors", str(mentors), "--mentees", str(mentees), "--rules", str(rules), "--out", str(out), *extra])
    return status, out


def test_matches_the_documented_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # when
    status, out = _run(tmp_path, "--unmatched", str(tmp_path / "unmatched.csv"))
    # then
    assert status == 0
    rows = list(csv.DictReader(out.open()))
    assert rows
    assert set(rows[0]) == {
        "mentor_id",
        "mentee_id",
        "score",
        "goals",
        "common_ground",
        "availability",
        "boundaries",
        "diversity",
        "grade_gap",
        "pinned",
        "reasons",
    }
    assert {"M009", "E001"} <= {rows[k]["mentor_id"] for k in range(len(rows))} | {rows[k]["mentee_id"] for k in range(len(rows))}
    assert any(row["pinned"] == "yes" and row["mentor_id"] == "M009" and row["mentee_id"] == "E001" for row in rows)
    assert all(row["reasons"] for row in rows)
    for row in rows:
        parts = sum(float(row[name]) for name in ("goals", "common_ground", "availability", "boundaries", "diversity", "grade_gap"))
        assert abs(parts - float(row["score"])) < 1e-5
    unmatched = list(csv.DictReader((tmp_path / "unmatched.csv").open()))
    assert {"id": "E020", "role": "mentee", "reason": "No mentor shares a language."} in unmatched
    printed = capsys.readouterr().out
    assert "proven optimal" in printed
    assert "Greedy baseline" in printed


@pytest.mark.parametrize("mode", ["coverage", "fair"])
def test_modes_from_the_command_line(tmp_path: Path, mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    # when
    status, out = _run(tmp_path, "--mode", mode)
    # then
    assert status == 0
    assert out.exists()
    assert f"mode {mode}" in capsys.readouterr().out


def test_suggestions_from_the_command_line(tmp_path: Path) -> None:
    # when
    status, out = _run(tmp_path, "--suggest", "3", "--quiet")
    # then
    assert status == 0
    rows = list(csv.DictReader(out.open()))
    assert max(int(row["rank"]) for row in rows) == 3


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    # when
    out = tmp_path / "pairs.csv"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "turnabout.engine",
            "--mentors",
            str(MENTORS),
            "--mentees",
            str(MENTEES),
            "--rules",
            str(RULES),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # then
    assert completed.returncode == 0, completed.stderr
    assert out.exists()
    assert "Matched" in completed.stdout


def _copy_with(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    target = tmp_path / source.name
    text = source.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    return target


@pytest.mark.parametrize(
    ("which", "old", "new", "expected"),
    [
        (
            "mentors",
            "M002,Ben Kowalski,1,",
            "M002,Ben Kowalski,junior,",
            "mentors.csv, row 3, field 'grade': 'junior' is not a whole number",
        ),
        ("mentors", "python:5;cloud:2", "python:9;cloud:2", "mentors.csv, row 3, field 'skills'"),
        ("mentees", "tue 09:00-12:00;thu 09:00-12:00,2", "tue 09:00-25:00;thu 09:00-12:00,2", "mentees.csv, row 2, field 'availability'"),
        ("mentees", "Africa/Lagos", "Mars/Olympus", "mentees.csv, row 2, field 'timezone'"),
        ("mentees", "E002,", "E001,", "mentees.csv, row 3, field 'id': duplicate id 'E001'"),
        ("mentors", "capacity,", "capacty,", "mentors.csv, row 1, field 'capacty': unknown column"),
        ("rules", "min_grade_gap = 3", "min_grade_gap = 0", "rules.toml, row 7, field 'rules.min_grade_gap'"),
        ("rules", "min_pair_score = 0.25", "min_pair_score = 'high'", "rules.toml, row 11, field 'rules.min_pair_score'"),
        ("rules", "goals = 0.40", "gaols = 0.40", "field 'weights.gaols': unknown key"),
        ("rules", 'mode = "score"', 'mode = "best"', "rules.toml, row 4, field 'match.mode'"),
        ("rules", '[["M009", "E001"]]', '[["M009", "E999"]]', "field 'rules.pinned': ('M009', 'E999'): no mentee has id 'E999'"),
        (
            "rules",
            '[["M009", "E001"]]',
            '[["M001", "E001"]]',
            "rules.toml, row 15, field 'rules.pinned': ('M001', 'E001') breaks the grade gap rule",
        ),
        ("rules", "[weights]", "[weights", "rules.toml, row 20: not valid TOML"),
    ],
)
def test_bad_input_names_file_row_and_field_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str, old: str, new: str, expected: str
) -> None:
    # given
    files = {"mentors": MENTORS, "mentees": MENTEES, "rules": RULES}
    files[which] = _copy_with(tmp_path, files[which], old, new)
    # when
    status, out = _run(tmp_path, mentors=files["mentors"], mentees=files["mentees"], rules=files["rules"])
    # then
    assert status == 2
    assert expected in capsys.readouterr().err
    assert not out.exists()
    assert not list(tmp_path.glob(".pairs.csv.*"))


def test_missing_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # when
    status, out = _run(tmp_path, mentors=tmp_path / "nope.csv")
    # then
    assert status == 2
    assert "nope.csv: cannot read the file" in capsys.readouterr().err
    assert not out.exists()


def test_a_tolerance_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # when
    status, out = _run(tmp_path, "--tolerance", "0.01")
    # then: the example is small enough to be proven optimal anyway
    assert status == 0
    assert out.exists()
    assert "proven optimal" in capsys.readouterr().out


def test_a_tolerance_outside_0_to_1_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # when
    status, out = _run(tmp_path, "--tolerance", "5")
    # then
    assert status == 2
    assert "--tolerance" in capsys.readouterr().err
    assert not out.exists()
