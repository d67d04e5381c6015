"""``duken recs SUBCOMMAND``: recommendation tools, one subcommand per module of
``duken.recommendations.commands`` (``duken recs --help`` lists them)."""

import importlib
import pkgutil

from django.core.management.base import BaseCommand, CommandError

from duken.recommendations import commands as subcommands


def _modules():
    for info in sorted(pkgutil.iter_modules(subcommands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        yield info.name, importlib.import_module(f"{subcommands.__name__}.{info.name}")


class Command(BaseCommand):
    help = "Recommendation tools, one subcommand each (see duken recs SUBCOMMAND --help)."

    def add_arguments(self, parser):
        children = parser.add_subparsers(
            dest="subcommand",
            metavar="SUBCOMMAND",
            parser_class=type(parser),
            required=True,
        )
        for name, module in _modules():
            child = children.add_parser(
                name,
                help=module.HELP,
                description=module.HELP,
                called_from_command_line=getattr(parser, "called_from_command_line", None),
            )
            module.add_arguments(child)
            child.set_defaults(_module=module)

    def handle(self, *args, **options):
        module = options.pop("_module", None)
        if module is None:
            raise CommandError("Choose a subcommand; see duken recs --help.")
        module.handle(self, options)
