"""Each command's usage line names every action it takes (a newcomer's walk found
`smtp-tutor mta-sts --help` saying `check|lab ...` while it also runs `matrix`)."""

from __future__ import annotations

import argparse
import importlib

import pytest

from tutor.cli.main import SUBCOMMANDS


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_a_commands_usage_names_every_action(name: str) -> None:
    parser = argparse.ArgumentParser(prog=f"smtp-tutor {name}")
    importlib.import_module(SUBCOMMANDS[name][0]).add_arguments(parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and action.metavar:
            said = str(action.metavar).strip("{}").replace(",", "|").split("|")
            assert sorted(said) == sorted(action.choices), (name, action.metavar)
