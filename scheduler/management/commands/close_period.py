from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Period
from assessments.services.periods import PeriodError
from scheduler.tick import period_close_and_report


class Command(BaseCommand):
    help = (
        "Close an assessment period now: answers become read-only, and the organisation "
        "report and one report per team are generated and emailed. Running it again does "
        "nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="period key such as 2026-Q4")

    def handle(self, *args, key: str, **options) -> None:
        period = Period.objects.filter(key=key).first()
        if period is None:
            raise CommandError(f"No period {key}.")
        try:
            result = period_close_and_report(period=period)
        except PeriodError as error:
            raise CommandError(str(error)) from None
        if not result.newly_closed:
            self.stdout.write(f"Period {key} was already closed; nothing to do.")
            return
        self.stdout.write(
            f"Closed {key} (closing day {result.period.closes_on}); "
            f"{len(result.reports)} report(s):"
        )
        for report in result.reports:
            report.refresh_from_db()
            files = f"  {report.pdf_file.path}" if report.pdf_file else ""
            self.stdout.write(f"  {report}: {report.get_status_display().lower()}{files}")
