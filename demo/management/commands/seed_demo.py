import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from assessments.services.rollups import rollups_rebuild
from demo import PRODUCTION_REFUSAL
from demo import organisation as demo
from demo.events import seed_events
from demo.evidence import seed_evidence
from demo.history import seed_history
from demo.improvement import seed_improvement
from demo.reviews import seed_reviews
from improvement.services.target_phases import target_phases_rebuild

T = TypeVar("T")


class Command(BaseCommand):
    help = (
        "Create the demo organisation: teams, people, projects, quarters of assessment "
        "history, targets, plans, an initiative, a reviewer's queue, facts from MLflow and "
        "CI and deployment events. "
        "Deterministic for a seed; running it again adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--teams", type=int, default=6)
        parser.add_argument("--projects-per-team", type=int, default=3)
        parser.add_argument("--quarters", type=int, default=6, help="past quarters of history")
        parser.add_argument("--seed", type=int, default=42)

    def handle(
        self, *args, teams: int, projects_per_team: int, quarters: int, seed: int, **options
    ):
        if settings.IS_PRODUCTION:
            raise CommandError(PRODUCTION_REFUSAL)
        timed = _Phases(self.stdout if options["verbosity"] >= 2 else None)
        organisation = timed(
            "organisation",
            demo.seed_organisation,
            teams=teams,
            projects_per_team=projects_per_team,
            seed=seed,
        )
        history = timed(
            "history", seed_history, teams=organisation.teams, quarters=quarters, seed=seed
        )
        # The reviewer's queue changes this quarter's results, which the plans are made from:
        # it comes first, so seeding the plans again finds the results it found the first time.
        reviews = timed("reviews", seed_reviews, teams=organisation.teams, seed=seed)
        improvement = timed("improvement", seed_improvement, teams=organisation.teams, seed=seed)
        # Facts follow the answers, so they come after the history and the reviews.
        evidence = timed("evidence", seed_evidence, teams=organisation.teams, seed=seed)
        # Events follow the levels and the answers; their outcomes fall back on the MLflow
        # retraining fact, so they come last.
        events = timed("events", seed_events, teams=organisation.teams, seed=seed)
        # The dashboards' roll-ups, from every stored score: last, after everything that
        # writes assessments or scores.
        timed("roll-ups", rollups_rebuild)
        timed("target phases", target_phases_rebuild)
        self.stdout.write(
            f"Demo organisation: {len(organisation.teams)} teams, "
            f"{len(organisation.projects)} projects ({organisation.created_projects} new), "
            f"{history.periods} quarters ({history.assessments_created} new assessments), "
            f"{improvement.actions_created} new improvement actions, "
            f"{improvement.targets_created} new targets, "
            f"{improvement.initiative_weeks} weeks of initiative history, "
            f"{reviews.awaiting_review} submissions awaiting review, "
            f"{evidence.facts_created} new facts from MLflow (demo data) for "
            f"{evidence.projects_with_facts} projects, "
            f"{events.events_created} new CI and deployment events (demo data) for "
            f"{events.projects_with_events} projects."
        )
        self.stdout.write(
            "Demo accounts (password 'demo'): admin (org admin), manager (management), "
            "lead (team lead of the first team), member (member of the first team), "
            "director (manager of the Risk and Customer division), "
            "reviewer (reviews every team's submissions)."
        )


class _Phases:
    """Runs each phase of the seeding, saying how long it took (with -v 2)."""

    def __init__(self, out: OutputWrapper | None) -> None:
        self.out = out

    def __call__(self, name: str, phase: Callable[..., T], **arguments: Any) -> T:
        started = time.perf_counter()
        result = phase(**arguments)
        if self.out is not None:
            self.out.write(f"{name}: {time.perf_counter() - started:.1f} s")
        return result
