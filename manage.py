#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_portal.settings")
    # Production does not install the demo app, so its command would only be "unknown";
    # say why instead, before settings ask for production secrets.
    if sys.argv[1:2] == ["seed_demo"] and os.environ.get("DJANGO_ENV") == "production":
        from demo import PRODUCTION_REFUSAL

        sys.exit(PRODUCTION_REFUSAL)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
