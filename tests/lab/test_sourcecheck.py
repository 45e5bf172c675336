"""The with- and without-source check that the rewriters' model cards show."""

from __future__ import annotations

from mtfix.lab.sourcecheck import check


def test_each_suite_is_run_on_the_mt_alone_and_with_its_source() -> None:
    out = check("gemma-mtfix-ctx", ["mlqe-et-en"], sample=6)
    runs = out["mlqe-et-en"]
    assert set(runs) == {"mt_alone", "with_source"}
    for run in runs.values():
        assert run["lines"] == 6
        for system in ("rules", "full"):
            figures = run[system]
            assert 0 <= figures["lines_worse"] <= figures["lines_changed"] <= 6
            if figures["lines_changed"] == 0:
                assert figures["delta_ter"] == 0
