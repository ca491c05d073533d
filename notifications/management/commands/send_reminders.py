import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from notifications.services import reminders


class Command(BaseCommand):
    help = (
        "Queue the assessment emails due today (open, due in 7 days, due tomorrow, overdue, "
        "escalation) that were not sent yet. The hourly beat tick does the same."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="print who would get what; send nothing"
        )
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="with --dry-run: show what would be sent on this day instead of today",
        )

    def handle(self, *args, dry_run: bool, date: datetime.date | None, **options) -> None:
        if date and not dry_run:
            raise CommandError("--date only goes with --dry-run: emails are sent today.")
        today = date or timezone.localdate()
        notices = reminders.notices_due(today=today)
        for notice in notices:
            projects = ", ".join(a.project.name for a in notice.assessments)
            self.stdout.write(
                f"{notice.kind:<17} {notice.period.key}  {notice.user.email:<32} "
                f"{len(notice.assessments)} project(s): {projects}"
            )
        if dry_run:
            self.stdout.write(f"Dry run for {today}: {len(notices)} email(s) would be sent.")
            return
        reminders.notices_dispatch(notices=notices)
        self.stdout.write(f"{today}: queued {len(notices)} email(s).")
