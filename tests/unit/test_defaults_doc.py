"""docs/defaults.md lists every default of the scenario model, with its value and source."""

from __future__ import annotations

from pathlib import Path

from sim.scenario.defaults import default_settings, problems, read_table, write_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "defaults.md"


def test_every_default_of_the_scenario_model_is_in_the_file_with_its_source() -> None:
    found = problems(DOC.read_text(encoding="utf-8"))
    assert not found, "docs/defaults.md is out of date (python -m sim.scenario.defaults):\n" + (
        "\n".join(found[:40])
    )


def test_the_walk_reaches_nested_sections_distributions_and_sites() -> None:
    paths = {s.path: s.default for s in default_settings()}
    assert paths["systems.erp.endpoints.create_order.service_time"].startswith("lognormal(")
    assert "sites.NJ01.staffing.pickers" in paths
    assert paths["demand.orders_per_business_day"] == "2200"
    assert "name" not in paths  # required, no default


def test_the_check_catches_a_missing_row_a_wrong_default_a_todo_and_a_stale_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    settings = default_settings()
    first, second, third = settings[3], settings[4], settings[5]
    lines = text.splitlines()
    broken = []
    for line in lines:
        if f"`{first.path}`" in line:
            continue  # the row is missing
        if f"`{second.path}`" in line:
            line = line.replace(f"`{second.default}`", "`12345`")  # a wrong default
        if f"`{third.path}`" in line:
            line = line.rsplit("|", 2)[0] + "| TODO |"  # no source
        broken.append(line)
    broken_text = "\n".join(broken).replace(
        "<!-- defaults:end -->", "| `systems.gone` | `1` | assumption |\n<!-- defaults:end -->"
    )
    found = problems(broken_text)
    assert any(p.startswith(f"{first.path}: no row") for p in found)
    assert any(p.startswith(f"{second.path}: the table says 12345") for p in found)
    assert any(p.startswith(f"{third.path}: no source") for p in found)
    assert "systems.gone: no such setting in the model" in found


def test_rewriting_keeps_the_sources_written() -> None:
    text = DOC.read_text(encoding="utf-8")
    rewritten = write_table(text, default_settings())
    assert read_table(rewritten) == read_table(text)
