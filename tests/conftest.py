"""Personas and service checks shared by the whole suite.

alice leads team "Fraud Detection", bob is a member of it, dave leads another team,
carol is management, erin is an org admin, charlie belongs to no team.
"""

import os
import socket
import tempfile
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from core.access import REVIEWERS_GROUP
from teams.models import MANAGEMENT_GROUP, Membership
from tests.factories import ProjectFactory, TeamFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# CI explores the same hypothesis examples on every run, so a red build is reproducible;
# local runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
pytest_plugins = ["tests.assessments.fixtures", "tests.dated_quarter"]


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL or "none (eager tasks)"
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''} "
        f"{database['NAME']}",
        f"celery broker: {broker}",
        f"REQUIRE_SERVICES: {REQUIRE_SERVICES}",
    ]


def pytest_configure(config: pytest.Config) -> None:
    # Tests serve static files from static/ directly: no collectstatic manifest needed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    # A cache of the run's own, so a `make run` in the same checkout (which shares
    # var/cache/) and the suite never clear or bump each other's dashboards. Subprocesses
    # the suite starts (Celery workers, gunicorn) inherit it.
    if not os.environ.get("CACHE_URL"):
        location = tempfile.mkdtemp(prefix="portal-test-cache-")
        os.environ["CACHE_URL"] = f"filecache://{location}"
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": location,
            }
        }
    settings.WHITENOISE_AUTOREFRESH = True
    # Real password hashing costs ~0.4 s a user; tests need only that passwords match.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """With REQUIRE_SERVICES=1 a missing service fails the run at once instead of skipping."""
    if not REQUIRE_SERVICES:
        return
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit("REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL", returncode=3)
    for url in (_database_address(), settings.CELERY_BROKER_URL):
        if not url:
            pytest.exit("REQUIRE_SERVICES=1 but CELERY_BROKER_URL is unset", returncode=3)
        parsed = urlparse(url)
        try:
            socket.create_connection((parsed.hostname, parsed.port), timeout=3).close()
        except OSError as error:
            pytest.exit(f"REQUIRE_SERVICES=1 and {parsed.scheme} at {url} is down: {error}", 3)


def _database_address() -> str:
    database = settings.DATABASES["default"]
    return f"postgres://{database['HOST']}:{database['PORT'] or 5432}"


def require_service(reason: str) -> None:
    """Skip a test whose service is missing, unless the run demands every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def empty_cache():
    """Dashboards cache their aggregates: every test starts without another test's."""
    cache.clear()


@pytest.fixture
def team(db):
    return TeamFactory(name="Fraud Detection", slug="fraud-detection")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Search Ranking", slug="search-ranking")


@pytest.fixture
def project(team):
    return ProjectFactory(team=team, name="Card transaction scoring", slug="card-scoring")


@pytest.fixture
def other_project(other_team):
    return ProjectFactory(team=other_team, name="Product ranker", slug="product-ranker")


@pytest.fixture
def alice(team) -> User:
    user = UserFactory(username="alice", first_name="Alice")
    Membership.objects.create(user=user, team=team, role=Membership.Role.LEAD)
    return user


@pytest.fixture
def bob(team) -> User:
    user = UserFactory(username="bob", first_name="Bob")
    Membership.objects.create(user=user, team=team, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def dave(other_team) -> User:
    user = UserFactory(username="dave", first_name="Dave")
    Membership.objects.create(user=user, team=other_team, role=Membership.Role.LEAD)
    return user


@pytest.fixture
def carol(db) -> User:
    user = UserFactory(username="carol", first_name="Carol")
    user.groups.add(Group.objects.get_or_create(name=MANAGEMENT_GROUP)[0])
    return user


@pytest.fixture
def erin(db) -> User:
    return UserFactory(username="erin", first_name="Erin", is_staff=True, is_superuser=True)


@pytest.fixture
def rhea(db) -> User:
    """A reviewer of the whole organisation, in no team."""
    user = UserFactory(username="rhea", first_name="Rhea")
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    return user


@pytest.fixture
def charlie(db) -> User:
    return UserFactory(username="charlie", first_name="Charlie")


@pytest.fixture
def personas(alice, bob, dave, carol, erin, charlie, rhea) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "member": bob,
        "lead": alice,
        "other_lead": dave,
        "management": carol,
        "admin": erin,
        "outsider": charlie,
        "reviewer": rhea,
    }


@pytest.fixture
def client_for(client):
    """Log a persona in: client_for(alice) -> the logged-in test client."""

    def login(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def eager_tasks():
    """Run queued Celery tasks at once in the test's process: with a real broker (CI), a
    task queued by a page would otherwise wait for a worker the test does not start."""
    from mlops_portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
