"""Single sign-on with OpenID Connect, through mozilla-django-oidc.

`discovery` finds the provider from OIDC_ISSUER; `tokens` checks its ID tokens; `services`
signs the person in (or refuses, saying why) and records the attempt; `mapping` (pure) says
what the provider's groups grant and `sync` applies it at every log-in; `backends` and
`views` plug these into Django's authentication and mozilla-django-oidc's flow.
"""
