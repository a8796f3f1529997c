"""A command group that answers a mistyped command name with the names it may have meant."""

from __future__ import annotations

from typing import Any

import click

__all__ = ["SuggestingGroup"]


class SuggestingGroup(click.Group):
    """A :class:`click.Group` whose "No such command" error names the nearest commands.

    ``migcompat chek`` fails as Click fails it (status 2), and adds "Did you
    mean 'check'?" when some command names are close enough by
    :func:`difflib.get_close_matches`; a name that looks like an option is
    left to Click.
    """

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if (
            name
            and not name.startswith("-")
            and not ctx.resilient_parsing
            and self.get_command(ctx, name) is None
            and (ctx.token_normalize_func is None or self.get_command(ctx, ctx.token_normalize_func(name)) is None)
        ):
            import difflib  # only for a mistyped name

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.6)
            if close:
                ctx.fail(f"No such command '{name}'. Did you mean {_either(close)}?")
        return super().resolve_command(ctx, args)


def _either(names: list[Any]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
