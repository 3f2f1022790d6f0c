"""`pipeline check-jats` says which DTD checked each file; "not validated" is counted apart
(issue 11 item 11)."""

from __future__ import annotations

import json

from .conftest import SHARED, run_cli

REAL = SHARED / "real-jats"
P13 = "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"


def test_each_file_names_its_dtd_and_archiving_files_are_not_counted_invalid():
    elife, older = REAL / "elife-14093-v1.xml", REAL / "scielo-rsp-2014-review-en-pt.xml"
    result = run_cli("check-jats", str(elife), str(older))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{elife}: not validated: the document uses the Journal Archiving and Interchange DTD")
    assert lines[1].startswith(f"{older}: valid against {P13} (DOCTYPE ")
    assert "no Journal Publishing 1.0 DTD in the bundle; validated against Journal Publishing 1.3" in lines[1]
    assert result.stderr.strip().endswith("1 valid, 0 invalid, 1 not validated, of 2 file(s)")


def test_strict_fails_on_a_file_that_could_not_be_validated():
    result = run_cli("check-jats", str(REAL / "elife-14093-v1.xml"), "--strict")
    assert result.returncode == 1


def test_an_invalid_checked_file_fails_and_json_has_one_entry_per_file():
    files = sorted(REAL.glob("*.xml"))
    text = run_cli("check-jats", *map(str, files))
    assert text.returncode == 1  # SciELO Ensaio is invalid
    assert text.stderr.strip().endswith("3 valid, 1 invalid, 2 not validated, of 6 file(s)")
    result = run_cli("check-jats", *map(str, files), "--format", "json")
    data = json.loads(result.stdout)
    status = {entry["file"].rsplit("/", 1)[1]: (entry["status"], entry["dtd"]) for entry in data["files"]}
    assert status["elife-14093-v1.xml"] == ("not validated", None)
    assert status["pmc-plos-ntd-0002065.xml"] == ("not validated", None)
    assert status["scielo-ensaio-2022-pt-en-es.xml"] == ("invalid", P13)
    assert status["scielo-rsp-2014-review-en-pt.xml"] == ("valid", P13)
    assert data["valid"] is False


def test_help_names_every_option_with_its_default_and_an_example():
    result = run_cli("check-jats", "--help")
    for text in ("--strict", "--schemas", "--format", "default: off", "default: text", "example: pipeline check-jats"):
        assert text in result.stdout, text
