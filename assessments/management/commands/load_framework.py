from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.rules.framework_file import FrameworkFileError
from assessments.services.frameworks import FrameworkLoadError, framework_load


class Command(BaseCommand):
    help = "Validate a maturity framework YAML file and load it as a versioned framework."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="e.g. assessments/frameworks/mlops-v1.yaml")

    def handle(self, *args, path: str, **options) -> None:
        try:
            result = framework_load(path=path)
        except (FrameworkFileError, FrameworkLoadError, OSError) as error:
            raise CommandError(str(error)) from None
        framework = result.framework
        verb = "Loaded" if result.created else "Unchanged:"
        self.stdout.write(
            f"{verb} {framework.title} ({framework.key} v{framework.version}), "
            f"{framework.dimensions.count()} dimensions, {framework.practices.count()} practices."
        )
