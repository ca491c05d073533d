from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Period
from assessments.services import periods


class Command(BaseCommand):
    help = "Create (if needed) and open an assessment period: a draft for every active project."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="period key such as 2026-Q4")

    def handle(self, *args, key: str, **options) -> None:
        try:
            period = Period.objects.filter(key=key).first() or periods.period_create(key=key)
        except periods.PeriodError as error:
            raise CommandError(str(error)) from None
        result = periods.period_open(period=period)
        self.stdout.write(
            f"Period {period.key} ({period.opens_on} to {period.closes_on}, due {period.due_on}): "
            f"{len(result.created)} new drafts."
        )
