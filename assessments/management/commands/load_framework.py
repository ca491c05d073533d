from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.rules.framework_file import FrameworkFileError
from assessments.services.frameworks import FrameworkLoadError, framework_load


class Command(BaseCommand):
    help = (
        "Validate maturity framework YAML files and load each as a versioned framework, in "
        "the order given (a version that maps from an earlier one needs that one first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="path",
            help="e.g. assessments/frameworks/mlops-v1.yaml assessments/frameworks/mlops-v2.yaml",
        )

    def handle(self, *args, paths: list[str], **options) -> None:
        for path in paths:
            try:
                result = framework_load(path=path)
            except (FrameworkFileError, FrameworkLoadError, OSError) as error:
                raise CommandError(str(error)) from None
            framework = result.framework
            verb = "Loaded" if result.created else "Unchanged:"
            self.stdout.write(
                f"{verb} {framework.title} ({framework.key} v{framework.version}), "
                f"{framework.dimensions.count()} dimensions, "
                f"{framework.practices.count()} practices."
            )
            if result.evidence_updated:
                count = len(result.evidence_updated)
                self.stdout.write(
                    f"  Evidence rules updated for {count} practice{'s' if count != 1 else ''}: "
                    f"{', '.join(result.evidence_updated)}."
                )
