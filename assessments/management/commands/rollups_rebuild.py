from django.core.management.base import BaseCommand

from assessments.services.rollups import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the dashboards' roll-ups (per quarter and team, dimension, practice, and "
        "the quarters' quartiles) from the stored scores: after loading existing data."
    )

    def handle(self, *args, **options) -> None:
        rollups_rebuild()
        self.stdout.write("Roll-ups rebuilt.")
