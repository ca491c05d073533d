"""Archiving a project closes its open draft: read-only with a notice, out of the completion
figures and reminders; restoring the project undoes it."""

import pytest

from assessments.models import Assessment
from assessments.services.answering import AssessmentLocked, answer_save, assessment_submit
from teams.services import project_archive, project_restore
from tests.assessments.fixtures import answer_all


def test_it_makes_an_archived_projects_draft_read_only(client_for, alice, assessment, project):
    project_archive(project=project)
    assessment = Assessment.objects.select_related("project", "period").get(pk=assessment.pk)
    answer = assessment.answers.first()
    with pytest.raises(AssessmentLocked, match="archived"):
        answer_save(
            assessment=assessment, answer=answer, expected_version=0, user=alice, value="yes"
        )
    answer_all(assessment, "yes")
    with pytest.raises(AssessmentLocked, match="archived"):
        assessment_submit(assessment=assessment, user=alice)
    page = client_for(alice).get(assessment.get_absolute_url()).text
    assert "is archived, so this draft is read-only" in page


def test_it_leaves_an_archived_projects_draft_out_of_completion(
    client_for, carol, assessment, other_assessment, project
):
    client = client_for(carol)
    assert client.get("/org/").context["page"].data.current.due == 2
    project_archive(project=project)
    assert client.get("/org/").context["page"].data.current.due == 1
    project_restore(project=project)
    assert client.get("/org/").context["page"].data.current.due == 2


def test_it_reopens_the_draft_when_the_project_is_restored(alice, assessment, project):
    project_archive(project=project)
    project_restore(project=project)
    assessment = Assessment.objects.select_related("project", "period").get(pk=assessment.pk)
    answer = assessment.answers.first()
    answer_save(assessment=assessment, answer=answer, expected_version=0, user=alice, value="yes")
    answer.refresh_from_db()
    assert answer.value == "yes"
