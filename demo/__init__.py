"""The demo organisation: seed_demo and its catalogue. Never installed in production."""

PRODUCTION_REFUSAL = (
    "seed_demo refuses to run with DJANGO_ENV=production: it would create accounts whose "
    "password is 'demo'. Nothing was created."
)
