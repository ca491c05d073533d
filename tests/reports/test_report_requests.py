"""Report requests cannot be spammed: an identical request while one is queued or running
returns that report, and a person may ask for a limited number an hour."""

from unittest import mock

import pytest

from reports.models import Report


@pytest.fixture
def generate_mocked():
    with mock.patch("reports.tasks.report_generate.delay_on_commit") as generate:
        yield generate


def test_it_returns_the_report_in_progress_for_an_identical_request(
    client_for, carol, period, generate_mocked
):
    client = client_for(carol)
    locations = {
        client.post("/reports/generate/", {"period": period.pk, "team": ""})["Location"]
        for _ in range(20)
    }
    assert len(locations) == 1
    assert Report.objects.count() == 1
    assert generate_mocked.call_count == 1


def test_it_limits_requests_per_person_with_a_clear_message(
    client_for, carol, period, team, other_team, settings, generate_mocked
):
    settings.REPORTS_PER_USER_PER_HOUR = 2
    client = client_for(carol)
    client.post("/reports/generate/", {"period": period.pk, "team": ""})
    client.post("/reports/generate/", {"period": period.pk, "team": team.pk})
    response = client.post("/reports/generate/", {"period": period.pk, "team": other_team.pk})
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "reports in the last hour" in response.text
    assert Report.objects.count() == 2


def test_it_makes_a_new_report_once_the_last_one_finished(
    client_for, carol, period, generate_mocked
):
    client = client_for(carol)
    client.post("/reports/generate/", {"period": period.pk, "team": ""})
    Report.objects.update(status="done")
    client.post("/reports/generate/", {"period": period.pk, "team": ""})
    assert Report.objects.count() == 2
