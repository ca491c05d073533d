"""Loading framework files into versioned rows, through the management command."""

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessments.models import Assessment, Framework, Practice
from assessments.services.periods import period_open
from tests.assessments.conftest import FRAMEWORK_PATH


def _write(tmp_path: Path, data: dict, name: str = "framework.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _shipped() -> dict:
    return yaml.safe_load(FRAMEWORK_PATH.read_text())


def test_it_loads_the_shipped_framework(db, capsys):
    call_command("load_framework", str(FRAMEWORK_PATH))
    framework = Framework.objects.get(key="mlops", version=1)
    assert framework.dimensions.count() == 8
    assert framework.practices.count() >= 40
    assert set(framework.anti_patterns) == {
        "notebooks_in_production",
        "liveness_only_monitoring",
        "deploy_when_possible",
        "manual_handoffs",
    }
    assert "Loaded" in capsys.readouterr().out


def test_it_changes_nothing_when_loading_the_same_version_twice(db, capsys):
    call_command("load_framework", str(FRAMEWORK_PATH))
    ids = sorted(Practice.objects.values_list("pk", flat=True))
    call_command("load_framework", str(FRAMEWORK_PATH))
    assert sorted(Practice.objects.values_list("pk", flat=True)) == ids
    assert "Unchanged" in capsys.readouterr().out


def test_it_refuses_to_change_a_version_in_use(tmp_path, framework, period, project):
    period_open(period=period)
    data = _shipped()
    data["dimensions"][0]["practices"][0]["question"] = "A reworded question?"
    with pytest.raises(CommandError, match="used by assessments and cannot change"):
        call_command("load_framework", str(_write(tmp_path, data)))
    assert Assessment.objects.filter(period=period).exists()
    assert framework.practices.first().question != "A reworded question?"


def test_it_loads_a_new_version_as_new_rows(tmp_path, framework):
    data = _shipped()
    data["version"] = 2
    call_command("load_framework", str(_write(tmp_path, data)))
    assert list(Framework.objects.values_list("version", flat=True)) == [2, 1]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["dimensions"][0]["practices"][0].pop("why"), "missing field 'why'"),
        (lambda d: d["dimensions"][0]["practices"][0].update(level=3), "level must be 0, 1 or 2"),
        (
            lambda d: d["dimensions"][1]["practices"][0].update(
                key=d["dimensions"][0]["practices"][0]["key"]
            ),
            "duplicate",
        ),
        (
            lambda d: d["dimensions"][0]["practices"][0].update(prerequisites=["no-such-practice"]),
            "no-such-practice",
        ),
    ],
)
def test_it_refuses_a_bad_file_with_a_named_message(tmp_path, db, mutate, message):
    data = _shipped()
    mutate(data)
    path = _write(tmp_path, data, "bad.yaml")
    with pytest.raises(CommandError) as refused:
        call_command("load_framework", str(path))
    assert "bad.yaml" in str(refused.value)
    assert message in str(refused.value)
    assert not Framework.objects.exists()


def test_it_names_the_line_of_malformed_yaml(tmp_path, db):
    path = tmp_path / "broken.yaml"
    path.write_text("key: mlops\nversion: 1\ntitle: [unclosed\n")
    with pytest.raises(CommandError, match=r"broken.yaml: line \d+"):
        call_command("load_framework", str(path))


def test_it_reports_a_missing_file(db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_framework", "does/not/exist.yaml")
