from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo import PRODUCTION_REFUSAL
from demo import organisation as demo
from demo.events import seed_events
from demo.evidence import seed_evidence
from demo.history import seed_history
from demo.improvement import seed_improvement
from demo.reviews import seed_reviews


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

    def handle(self, *args, teams: int, projects_per_team: int, quarters: int, seed: int, **_):
        if settings.IS_PRODUCTION:
            raise CommandError(PRODUCTION_REFUSAL)
        organisation = demo.seed_organisation(
            teams=teams, projects_per_team=projects_per_team, seed=seed
        )
        history = seed_history(teams=organisation.teams, quarters=quarters, seed=seed)
        # The reviewer's queue changes this quarter's results, which the plans are made from:
        # it comes first, so seeding the plans again finds the results it found the first time.
        reviews = seed_reviews(teams=organisation.teams, seed=seed)
        improvement = seed_improvement(teams=organisation.teams, seed=seed)
        # Facts follow the answers, so they come after the history and the reviews.
        evidence = seed_evidence(teams=organisation.teams, seed=seed)
        # Events follow the levels and the answers; their outcomes fall back on the MLflow
        # retraining fact, so they come last.
        events = seed_events(teams=organisation.teams, seed=seed)
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
