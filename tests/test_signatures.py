"""Signatures against MLX's: every function both libraries have takes the same parameters,
in the same order, with the same names and defaults, and the same `*args`/`**kwargs`.

Types in annotations are not compared (ours are spelled differently), and neither are
positional-only / keyword-only markers: MLX writes its signature texts by hand and they
disagree with what its functions accept (`add`'s text shows `stream` as positional, yet
`mx.add(1, 2, mx.cpu)` raises; `array_equal`'s shows `equal_nan` as positional, yet it only
takes it by keyword), so the texts are no reference for those."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

from helpers import ORACLE, SUBJECT


def _split_top_level(text: str) -> list[str]:
    """Split a parameter list at commas that are not inside brackets or quotes."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _normalize_default(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if text[:1] in "'\"":  # one spelling for string literals
        return repr(ast.literal_eval(text))
    # Dtype defaults print with their module ("mlx.core.float32", "mlx_core.float32").
    return re.sub(r"^(mlx\.core|mlx_core)\.", "", text)


def parameters(fn) -> list[tuple[str, str, str | None]]:
    """(name, kind, default) per parameter, from nanobind's signature or inspect's."""
    sig = getattr(fn, "__nb_signature__", None)
    if sig:
        # nanobind writes "\N" for default N, which it keeps as an object in the third field.
        text, _, default_objects = sig[0]
        text = re.sub(
            r"\\(\d+)", lambda m: _normalize_default(repr(default_objects[int(m[1])])), text
        )
        inner = text[text.index("(") + 1 : text.rindex(")")]
        kind, out = "positional", []
        for part in _split_top_level(inner):
            if part == "/":
                out = [(n, "positional-only", d) for n, _, d in out]
                continue
            if part == "*":
                kind = "keyword-only"
                continue
            if part.startswith("**"):
                out.append((part[2:].split(":")[0].strip(), "var-keyword", None))
                continue
            if part.startswith("*"):
                out.append((part[1:].split(":")[0].strip(), "var-positional", None))
                kind = "keyword-only"
                continue
            name_and_type, _, default = part.partition("=")
            name = name_and_type.split(":")[0].strip()
            out.append((name, kind, _normalize_default(default) if default else None))
        return out
    kinds = {
        inspect.Parameter.POSITIONAL_ONLY: "positional-only",
        inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
        inspect.Parameter.KEYWORD_ONLY: "keyword-only",
        inspect.Parameter.VAR_POSITIONAL: "var-positional",
        inspect.Parameter.VAR_KEYWORD: "var-keyword",
    }
    out = []
    for p in inspect.signature(fn).parameters.values():
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        out.append((p.name, kinds[p.kind], _normalize_default(default)))
    return out


def _functions(module):
    return {
        name: getattr(module, name)
        for name in dir(module)
        if not name.startswith("_")
        and callable(getattr(module, name))
        and not isinstance(getattr(module, name), type)
    }


SUBMODULES = ["", "random", "linalg", "fft", "fast", "metal", "cuda"]


def _pairs():
    pairs = []
    for sub in SUBMODULES:
        oracle_mod = getattr(ORACLE, sub) if sub else ORACLE
        subject_mod = getattr(SUBJECT, sub, None) if sub else SUBJECT
        if subject_mod is None:
            continue
        theirs, ours = _functions(oracle_mod), _functions(subject_mod)
        for name in sorted(set(theirs) & set(ours)):
            pairs.append((f"{sub}.{name}" if sub else name, theirs[name], ours[name]))
    return pairs


PAIRS = _pairs()


def comparable(params):
    """Names, defaults and the variadic markers; see the module docstring for why not kinds."""
    return [(n, k if k.startswith("var") else "named", d) for n, k, d in params]


# Where MLX's signature text cannot be matched by one Python signature.
KNOWN = {
    # Two overloads in MLX, (start, stop, step, dtype) and (stop, step, dtype); ours is one
    # function taking both forms (tests/test_creation.py checks the calls).
    "arange",
    # MLX's text shows `*args`; the function takes one array (as ours, named `a`).
    "get_array_buffer_size",
    # MLX's text shows `metadata` without a default, yet `save_gguf(file, arrays)` works.
    "save_gguf",
}


@pytest.mark.parametrize("name,theirs,ours", PAIRS, ids=[p[0] for p in PAIRS])
def test_signature_matches_mlx(name, theirs, ours):
    if name in KNOWN:
        pytest.skip("MLX's signature text has no single-signature equivalent")
    try:
        expected = parameters(theirs)
    except (TypeError, ValueError):
        pytest.skip(f"MLX's {name} has no readable signature")
    assert comparable(parameters(ours)) == comparable(expected)


def test_parameter_parser_reads_kinds_and_defaults():
    assert parameters(ORACLE.sum) == [
        ("a", "positional-only", None),
        ("axis", "positional", "None"),
        ("keepdims", "positional", "False"),
        ("stream", "keyword-only", "None"),
    ]


@pytest.mark.parametrize("cls", ["array", "Dtype", "Device", "Stream"])
def test_methods_match_mlx(cls):
    theirs, ours = getattr(ORACLE, cls), getattr(SUBJECT, cls)
    for name in sorted(n for n in dir(theirs) if not n.startswith("_") and hasattr(ours, n)):
        t, o = getattr(theirs, name), getattr(ours, name)
        if not callable(t) or isinstance(t, property) or not callable(o):
            continue
        try:
            expected = parameters(t)
        except (TypeError, ValueError):
            continue
        assert comparable(parameters(o)) == comparable(expected), f"{cls}.{name}"
