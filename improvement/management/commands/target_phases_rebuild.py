from django.core.management.base import BaseCommand

from improvement.services.target_phases import target_phases_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every project's stored standing against its targets (the phases the "
        "dashboards count) from the stored results, targets and review policy."
    )

    def handle(self, *args, **options) -> None:
        rows = target_phases_rebuild()
        self.stdout.write(f"Target phases rebuilt: {rows} rows.")
