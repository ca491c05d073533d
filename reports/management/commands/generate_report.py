from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from assessments.models import Period
from reports import services as reports
from reports.models import Report
from teams.models import Team


class Command(BaseCommand):
    help = (
        "Generate a report for a period now, in this process: the organisation's, or one "
        "team's with --team. Prints where the PDF and HTML were stored. Sends no email."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="period key such as 2026-Q4")
        parser.add_argument("--team", help="team slug; without it, the organisation report")

    def handle(self, *args, period: str, team: str | None, **options) -> None:
        found = Period.objects.filter(key=period).first()
        if found is None:
            raise CommandError(f"No period {period}.")
        team_found = Team.objects.filter(slug=team).first() if team else None
        if team and team_found is None:
            raise CommandError(f"No team with the slug {team}.")
        try:
            created = reports.report_create(period=found, team=team_found)
        except IntegrityError:
            raise CommandError(
                f"A report for {found.key} ({team or 'the organisation'}) is already queued or "
                "running; see /reports/."
            ) from None
        report = reports.report_generate(report_id=created.pk)
        if report is None or report.status != Report.Status.DONE:
            error = report.error if report else "it was claimed by another process"
            raise CommandError(f"Report {created.pk} failed: {error}")
        self.stdout.write(f"Report {report.pk} ({report}) is done:")
        self.stdout.write(f"  PDF:  {report.pdf_file.path}")
        self.stdout.write(f"  HTML: {report.html_file.path}")
