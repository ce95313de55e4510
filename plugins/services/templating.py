"""Letter templates that staff edit: a Jinja template of the letter body, rendered to text.

The template runs in Jinja's sandbox (staff-edited text must not reach Python internals)
and renders plain text, never HTML; the PDF writer escapes it when drawing.

Body text convention (shown to staff in the help text):

* Paragraphs are separated by one or more blank lines. The lines of one paragraph are kept
  as separate lines in the letter.
* Consecutive lines of the form ``Label : value`` (a label of 1 to 40 characters, then a
  space, a colon and a space) form a two-column table with the colons aligned, as
  Indonesian letters do::

      Nama            : Siti Aminah
      Tempat/Tgl Lahir: Pekalongan, 5 Agustus 1990

  The spaces before the colon are only for the eye; any number is fine. A line that starts
  with spaces right after a table row continues that row's value on a new line.
* ``{{ tanggal_lahir | tanggal }}`` writes a date as "5 Agustus 1990"; ``upper`` and
  ``title`` change letter case.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from app.kit import _l

MAX_OUTPUT = 20_000
# Bounds the numbers given to filters and operators: no letter needs `center(10**9)` or
# `"x" * 10**9`, and without a bound one line of a template could exhaust the memory.
MAX_NUMBER = 10_000

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


class TemplateProblem(ValueError):
    """A template that cannot be saved or rendered; `message` is a lazy Indonesian text."""

    def __init__(self, message, line: int | None = None, name: str | None = None):
        if line is not None:
            message = _l("Baris %(line)s: %(message)s", line=line, message=message)
        super().__init__(message)
        self.message = message
        self.line = line
        self.name = name

    def __str__(self) -> str:
        return str(self.message)


def tanggal(value: Any) -> str:
    """A date as an Indonesian long date: 5 Agustus 2026."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return str(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _too_big(value: Any) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and (abs(value) > MAX_NUMBER)
    )


_WIDE_PERCENT = re.compile(r"%[^a-zA-Z%]*(?:\d{5,}|\*)")
_WIDE_FORMAT = re.compile(r"\{[^}]*:[^}]*\d{5,}")
_NESTED_FORMAT = re.compile(r"\{[^}]*:[^}]*\{")

# Filters whose numeric arguments are sizes (widths, counts); other filters are unbounded
# so that `"%s" | format(penghasilan)` keeps working with large amounts.
_SIZED_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice"})


def _bounded(func: Callable) -> Callable:
    @functools.wraps(func)  # keeps jinja's pass_context/pass_environment marker
    def wrapper(*args, **kwargs):
        if any(_too_big(arg) for arg in (*args[1:], *kwargs.values())):
            raise SecurityError("filter argument too large")
        return func(*args, **kwargs)

    return wrapper


def _checked_format(func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(value, *args, **kwargs):
        # "%0999999d" would build the huge string before the output limit could look.
        if isinstance(value, str) and _WIDE_PERCENT.search(value):
            raise SecurityError("format width too large")
        return func(value, *args, **kwargs)

    return wrapper


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


def _huge_power(base: Any, exponent: Any) -> bool:
    if not (isinstance(base, int | float) and isinstance(exponent, int | float)):
        return False
    return abs(exponent) > 64 or (isinstance(base, int) and base.bit_length() > 4096)


class _LetterEnvironment(SandboxedEnvironment):
    # Intercepted operators are also never folded at compile time, so `10 ** 10 ** 10`
    # in a template cannot hang the save either.
    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context, operator, left, right):
        if operator == "%" and isinstance(left, str) and _WIDE_PERCENT.search(left):
            raise SecurityError("format width too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                size = _length(seq)
                if size is not None and isinstance(times, int) and size * times > MAX_OUTPUT:
                    raise SecurityError("repetition too large")
        if operator == "**" and _huge_power(left, right):
            raise SecurityError("power too large")
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value):
        # Widths in "{:0999999}".format(x), also given as an argument ("{:{w}}"), would
        # build the huge string before the output limit could look.
        text = getattr(value, "__self__", None)
        if isinstance(text, str) and (_WIDE_FORMAT.search(text) or _NESTED_FORMAT.search(text)):
            raise SecurityError("format width too large")
        return super().wrap_str_format(value)


@functools.lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    env = _LetterEnvironment(
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.pop("lipsum", None)  # generates text by the megabyte on request
    env.filters["tanggal"] = tanggal
    for name in _SIZED_FILTERS:
        env.filters[name] = _bounded(env.filters[name])
    env.filters["format"] = _checked_format(env.filters["format"])
    return env


def _template_line(exc: BaseException) -> int | None:
    # Jinja rewrites tracebacks so that template frames carry the template's line number.
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _first_use(ast: nodes.Template, name: str) -> int | None:
    for node in ast.find_all(nodes.Name):
        if node.name == name and node.ctx == "load":
            return node.lineno
    return None


def _parse(source: str) -> nodes.Template:
    try:
        return _environment().parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc), line=exc.lineno) from exc


def _check_names(ast: nodes.Template, allowed: set[str]) -> None:
    known = set(allowed) | set(_environment().globals)
    try:
        undeclared = meta.find_undeclared_variables(ast)  # compiles: unknown filters show here
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc), line=exc.lineno) from exc
    unknown = sorted(undeclared - known)
    if unknown:
        name = unknown[0]
        raise TemplateProblem(
            _l("Isian %(name)s tidak dikenal.", name=name),
            line=_first_use(ast, name),
            name=name,
        )


def check_template(source: str, allowed: set[str]) -> None:
    """Refuse (TemplateProblem) a template that does not compile or uses unknown names."""
    ast = _parse(source)
    _check_names(ast, allowed)
    try:
        _environment().from_string(ast)
    except TemplateSyntaxError as exc:  # some errors only show when compiling
        raise TemplateProblem(exc.message or str(exc), line=exc.lineno) from exc


@functools.lru_cache(maxsize=64)
def _compiled(source: str):
    return _environment().from_string(_parse(source))


_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


def render_letter(source: str, values: dict) -> str:
    """Render a template with `values` to plain text, or raise TemplateProblem."""
    ast = _parse(source)
    _check_names(ast, set(values))
    try:
        template = _compiled(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc), line=exc.lineno) from exc
    parts: list[str] = []
    size = 0
    try:
        # Streamed so that an over-long letter stops early instead of filling the memory.
        for chunk in template.generate(values):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateProblem(
                    _l(
                        "Hasil surat terlalu panjang (lebih dari %(limit)s karakter).",
                        limit=format(MAX_OUTPUT, ",").replace(",", "."),
                    )
                )
            parts.append(chunk)
    except TemplateProblem:
        raise
    except SecurityError as exc:
        raise TemplateProblem(
            _l("Templat memakai sesuatu yang tidak diizinkan."), line=_template_line(exc)
        ) from exc
    except UndefinedError as exc:
        match = _UNDEFINED_NAME.match(exc.message or "")
        if match:
            message = _l("Isian %(name)s tidak dikenal.", name=match.group(1))
        else:
            message = _l("Isian tidak dikenal: %(detail)s", detail=exc.message or "")
        raise TemplateProblem(
            message, line=_template_line(exc), name=match.group(1) if match else None
        ) from exc
    except (TemplateSyntaxError, ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise TemplateProblem(
            _l("Templat tidak dapat diisi: %(detail)s", detail=str(exc)),
            line=_template_line(exc),
        ) from exc
    return "".join(parts)


# Body text: tables and paragraphs.

_ROW = re.compile(r"^(?P<label>[^:]{1,40}?)\s+:(?:\s+(?P<value>.*))?$")


@dataclass
class Block:
    kind: Literal["paragraph", "table"]
    lines: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)


def _row(line: str) -> tuple[str, str] | None:
    match = _ROW.match(line.strip())
    if not match or not match.group("label").strip():
        return None
    return match.group("label").strip(), (match.group("value") or "").strip()


def parse_body(text: str) -> list[Block]:
    """Split rendered body text into paragraphs and `Label : value` tables (see above)."""
    blocks: list[Block] = []
    current: Block | None = None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            current = None
            continue
        row = _row(line)
        if row is not None:
            if current is None or current.kind != "table":
                current = Block("table")
                blocks.append(current)
            current.rows.append(row)
        elif current is not None and current.kind == "table" and raw[:1].isspace():
            label, value = current.rows[-1]
            current.rows[-1] = (label, f"{value}\n{line.strip()}" if value else line.strip())
        else:
            if current is None or current.kind != "paragraph":
                current = Block("paragraph")
                blocks.append(current)
            current.lines.append(line.strip())
    return blocks
