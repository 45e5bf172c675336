"""Which directory a ``--model`` value names: a bare name is a model under the project's models/
(never a folder of that name in the current directory), a path must look like one."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtfix.model import DEFAULT_MODEL, ModelLoadError
from mtfix.model.load import looks_like_path, resolve
from mtfix.paths import models_dir


def test_a_folder_in_the_current_directory_never_replaces_the_bundled_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / DEFAULT_MODEL).mkdir()
    monkeypatch.chdir(tmp_path)
    assert resolve(DEFAULT_MODEL) == models_dir() / DEFAULT_MODEL
    assert resolve(None) == models_dir() / DEFAULT_MODEL
    assert resolve(f"./{DEFAULT_MODEL}") == Path(f"./{DEFAULT_MODEL}")


def test_paths_are_paths_and_names_are_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "mine"
    local.mkdir()
    monkeypatch.chdir(tmp_path)
    assert resolve(str(local)) == local
    assert resolve("./mine") == Path("./mine")
    assert resolve("../" + tmp_path.name + "/mine").resolve() == local
    with pytest.raises(
        ModelLoadError, match=r"mine: no such model directory in .*models .*\./mine"
    ):
        resolve("mine")
    with pytest.raises(ModelLoadError, match=r"\./gone: no such model directory"):
        resolve("./gone")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve("~/mine") == local


@pytest.mark.parametrize(
    ("spec", "path"),
    [("./x", True), ("../x", True), ("/x", True), ("~/x", True), (".", True),
     ("x", False), ("org/name", False), ("gemma-mtfix", False)],
)  # fmt: skip
def test_what_looks_like_a_path(spec: str, path: bool) -> None:
    assert looks_like_path(spec) is path
