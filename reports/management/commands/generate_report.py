from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from assessments.models import Period
from reports import services as reports
from reports.emails import report_filename
from reports.models import Report
from teams.models import Team, Unit


class Command(BaseCommand):
    help = (
        "Generate a report for a period now, in this process: the organisation's, one "
        "unit's with --unit, or one team's with --team. Prints where the PDF and HTML were "
        "stored. Sends no email. With --output DIR it writes both into DIR and stores "
        "nothing in the database (for a database you may only read)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="period key such as 2026-Q4")
        parser.add_argument("--team", help="team slug; without it, the organisation report")
        parser.add_argument("--unit", help="unit slug, for the unit's report")
        parser.add_argument("--output", type=Path, help="write the files here, save nothing")

    def handle(self, *args, period: str, team: str | None, unit: str | None, **options) -> None:
        found = Period.objects.filter(key=period).first()
        if found is None:
            raise CommandError(f"No period {period}.")
        if team and unit:
            raise CommandError("Give --team or --unit, not both.")
        team_found = Team.objects.filter(slug=team).first() if team else None
        if team and team_found is None:
            raise CommandError(f"No team with the slug {team}.")
        unit_found = Unit.objects.filter(slug=unit).first() if unit else None
        if unit and unit_found is None:
            raise CommandError(f"No unit with the slug {unit}.")
        if options["output"] is not None:
            self._write(Report(period=found, team=team_found, unit=unit_found), options["output"])
            return
        if unit_found is not None:
            raise CommandError("A unit's report is made when its period closes; use --output.")
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

    def _write(self, report: Report, directory: Path) -> None:
        report.scope = (
            Report.Scope.TEAM
            if report.team
            else Report.Scope.UNIT
            if report.unit
            else Report.Scope.ORGANISATION
        )
        html, pdf = reports.report_render(report=report)
        directory.mkdir(parents=True, exist_ok=True)
        pdf_path = directory / report_filename(report=report, ext="pdf")
        html_path = directory / report_filename(report=report, ext="html")
        pdf_path.write_bytes(pdf)
        html_path.write_text(html)
        self.stdout.write(f"{report} written, nothing saved:")
        self.stdout.write(f"  PDF:  {pdf_path}")
        self.stdout.write(f"  HTML: {html_path}")
