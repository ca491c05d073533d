from unittest import mock

from reports import services, tasks


def test_it_generates_a_report_by_id():
    with mock.patch("reports.services.report_generate") as generate:
        tasks.report_generate(42)
    generate.assert_called_once_with(report_id=42)


def test_it_queues_a_requested_report_only_after_commit(
    period, carol, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(tasks.report_generate, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = services.report_request(period=period, team=None, user=carol)
        delay.assert_not_called()
    delay.assert_called_once_with(report.pk)
