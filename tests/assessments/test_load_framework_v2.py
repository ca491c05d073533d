"""Loading mlops-v2.yaml: it needs v1 loaded first, and keeps its rule-2 fields."""

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Framework, Practice
from tests.assessments.fixtures import FRAMEWORK_PATH

V2_PATH = FRAMEWORK_PATH.with_name("mlops-v2.yaml")


def test_v2_refuses_to_load_before_the_version_it_maps_from(db):
    with pytest.raises(CommandError, match="maps_from names mlops version 1, which is not loaded"):
        call_command("load_framework", str(V2_PATH))
    assert not Framework.objects.exists()


def test_both_versions_load_in_one_command_and_again_change_nothing(db, capsys):
    call_command("load_framework", str(FRAMEWORK_PATH), str(V2_PATH))
    call_command("load_framework", str(FRAMEWORK_PATH), str(V2_PATH))
    output = capsys.readouterr().out
    assert "Loaded MLOps maturity framework (mlops v2), 9 dimensions, 95 practices." in output
    assert output.count("Unchanged:") == 2
    v2 = Framework.objects.get(version=2)
    assert (v2.scoring_rule, v2.maps_from["version"]) == (2, 1)
    assert Framework.objects.get(version=1).scoring_rule == 1
    retrain = Practice.objects.get(framework=v2, key="retrain-automated")
    assert retrain.defining
    assert retrain.applies_to == {"kind": ["supervised", "unsupervised", "fine_tuned"]}
    assert Practice.objects.filter(framework=v2).exclude(variants=[]).exists()
