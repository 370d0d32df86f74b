"""The one YAML reader of the content, the rules and the labelled cases."""

import pytest
import yaml

from components import yaml_files
from components.yaml_files import read_yaml


def test_a_file_reads_as_the_safe_loader_reads_it(tmp_path):
    path = tmp_path / "a.yml"
    path.write_text("a: [1, yes, '2', 2026-12-01]\nb: {c: ~}\n", encoding="utf-8")
    assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_an_empty_file_is_an_empty_mapping(tmp_path):
    (tmp_path / "empty.yml").write_text("# nothing yet\n", encoding="utf-8")
    assert read_yaml(tmp_path / "empty.yml") == {}


@pytest.mark.parametrize("content", ["a: [1\n", "a: !!python/object:os.system ls\n"])
def test_invalid_or_unsafe_yaml_is_an_error(tmp_path, content):
    (tmp_path / "bad.yml").write_text(content, encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        read_yaml(tmp_path / "bad.yml")


def test_libyaml_reads_the_files():
    # (pyyaml's wheels carry libyaml; without it the 6 MB of safety cases take 9 s, not 1)
    assert yaml_files._LOADER is yaml.CSafeLoader
