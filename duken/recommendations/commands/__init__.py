"""Subcommands of ``duken recs``: each module defines ``HELP``, ``add_arguments(parser)`` and
``handle(command, options)``; ``duken recs`` finds them by iterating this package."""
