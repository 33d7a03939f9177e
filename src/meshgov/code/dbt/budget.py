"""A time and size budget for rendering a model's Jinja (the sandbox bounds neither).

jinja2's sandbox stops a template from reaching Python internals, not from exhausting the
machine: ``{{ 'a' * 10**10 }}`` allocates 10 GB in one operation, nested loops print for
hours. The bounded environment checks, before the operation runs, the size a string or list
``*``/``+`` would make and the digits a ``**`` would make, checks the clock at every call and
operator, and the rendered output is streamed and measured chunk by chunk. Exceeding either
budget raises :class:`BudgetExceeded`; the renderer reports it as ``MG-INPUT``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any


class BudgetExceeded(Exception):  # noqa: N818 - a budget, not an error of the template
    pass


@dataclass(frozen=True)
class RenderLimits:
    #: characters a rendered model (and any one string or list a template builds) may have
    max_output: int = 5_000_000
    #: seconds one render (or the loading of the project's macros) may take
    timeout: float = 10.0


class Budget:
    """The budget of the render in progress (one at a time per renderer)."""

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.deadline = math.inf

    def start(self) -> None:
        self.deadline = time.monotonic() + self.limits.timeout

    def stop(self) -> None:
        self.deadline = math.inf

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(f"rendering took longer than {self.limits.timeout:g} s "
                                 "(parameter code.dbt.render_timeout_seconds)")

    def check_size(self, size: int) -> None:
        if size > self.limits.max_output:
            raise BudgetExceeded(f"rendering makes more than {self.limits.max_output:,} characters "
                                 "(parameter code.dbt.max_rendered_bytes)")

    def check_binop(self, operator: str, left: Any, right: Any) -> None:
        self.tick()
        sized = (str, bytes, list, tuple)
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, sized) and isinstance(n, int) and not isinstance(n, bool):
                    self.check_size(len(seq) * max(n, 0))
        elif operator == "+":
            if isinstance(left, sized) and isinstance(right, sized):
                self.check_size(len(left) + len(right))
        elif operator == "**":
            if (isinstance(left, (int, float)) and isinstance(right, (int, float))
                    and abs(left) > 1 and right > 0):
                digits = right * math.log10(abs(left))
                if digits > 4000:  # Python refuses to print more than 4,300 digits anyway
                    raise BudgetExceeded(f"{left} ** {right} has about {digits:,.0f} digits")

    def output(self, chunks: Any) -> str:
        """The rendered text of a template's ``generate()`` stream, measured as it comes."""
        parts: list[str] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            self.check_size(size)
            self.tick()
            parts.append(chunk)
        return "".join(parts)


def bounded_environment(budget: Budget, **options: Any) -> Any:
    """A jinja2 SandboxedEnvironment whose operators and calls spend ``budget``."""
    from jinja2.sandbox import SandboxedEnvironment  # noqa: PLC0415 - ~50 ms import

    class BoundedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            budget.check_binop(operator, left, right)
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
            budget.tick()
            return super().call(__context, __obj, *args, **kwargs)

    return BoundedSandbox(**options)
