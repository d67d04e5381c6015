"""The ``duken`` command: a thin wrapper around Django's management commands.

``duken demo``, ``duken serve``, ``duken worker``, ``duken import-retail PATH`` and every
Django command (``duken migrate``, ``duken createsuperuser``, ...) run through here.
"""

import os
import sys


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duken.settings")
    from django.core.management import execute_from_command_line

    if argv and "-" in argv[0] and not argv[0].startswith("-"):
        argv[0] = argv[0].replace("-", "_")  # duken import-retail -> import_retail
    from duken.core.keys import SecretError

    try:
        execute_from_command_line(["duken", *argv])
    except SecretError as exc:
        print(f"duken: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
