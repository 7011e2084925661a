"""Stargate's "stringified" values: the CQL-literal-like text forms of collections, tuples and UDTs.

Only the structure lives here: a literal is split into the texts of its elements, each of which the caller then
parses with the rules of the element's type (`app.rows.types`). The token rules are Stargate's
(`StringifiedValueUtil`, v2.0.51), observed against a running Stargate:

- an element is a single-quoted string (`'it''s'`, a doubled quote is a quote), a bracketed group (`[..]`, `{..}`,
  `(..)`, which may hold strings and further groups), or a run of "identifier" characters `[0-9A-Za-z-+._&]`, so
  numbers, uuids, booleans and plain words need no quotes while timestamps (`:`) and base64 (`/`, `=`) do;
- blanks around elements and separators are skipped;
- every element text is later unquoted with `unquote` (the outer quotes removed, `''` turned into `'`).

Stricter than Stargate: text after the closing bracket is refused (Stargate ignores it after a list, set or map),
brackets must nest properly, and a bare `null` is recognised (`is_null`) so tuple and UDT members can be null.
Field names of a UDT literal (and the `key`/`value` names of a non-compact map literal) may also be double-quoted.
"""

from __future__ import annotations

_BLANKS = frozenset(" \t\n\r")
_IDENTIFIER = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-+._&")
_CLOSING = {"[": "]", "{": "}", "(": ")"}


class LiteralError(ValueError):
    """A literal whose structure is broken: the message quotes it and names the character where it went wrong."""


def unquote(text: str) -> str:
    """`'abc'` -> `abc`, `'it''s'` -> `it's`; anything not wrapped in single quotes is returned as it is.

    Stargate applies this to every top-level JSON string (even for text columns) and to every element of a literal."""
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        text = text[1:-1]
        if "'" in text:
            text = text.replace("''", "'")
    return text


def is_null(element: str) -> bool:
    """A bare (unquoted) `null` element."""
    return len(element) == 4 and element.lower() == "null"


def _skip_blanks(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _BLANKS:
        i += 1
    return i


def _string_end(text: str, i: int, quote: str) -> int:
    """The index after the string opened by `quote` at `i` (a doubled quote is part of it), or -1 if unterminated."""
    j = i + 1
    while True:
        j = text.find(quote, j)
        if j < 0:
            return -1
        if j + 1 < len(text) and text[j + 1] == quote:
            j += 2
            continue
        return j + 1


def _element_end(text: str, i: int) -> int:
    """The index after the element starting at `i`, or -1 when no element starts there."""
    n = len(text)
    if i >= n:
        return -1
    c = text[i]
    if c == "'":
        return _string_end(text, i, "'")
    if c in _CLOSING:
        expected = [_CLOSING[c]]
        j = i + 1
        while j < n:
            c = text[j]
            if c == "'" or c == '"':
                j = _string_end(text, j, c)
                if j < 0:
                    return -1
                continue
            if c in _CLOSING:
                expected.append(_CLOSING[c])
            elif c in "]})":
                if c != expected.pop():
                    return -1
                if not expected:
                    return j + 1
            j += 1
        return -1
    j = i
    while j < n and text[j] in _IDENTIFIER:
        j += 1
    return j if j > i else -1


def _name_end(text: str, i: int) -> int:
    if i < len(text) and text[i] == '"':
        return _string_end(text, i, '"')
    return _element_end(text, i)


def name_of(token: str) -> str:
    """A field name as written in a literal: bare (`First`), single-quoted or double-quoted; case is kept."""
    if len(token) >= 2 and token[0] == '"' and token[-1] == '"':
        return token[1:-1].replace('""', '"')
    return unquote(token)


def _quoted(text: str) -> str:
    """A literal as an error message quotes it: at most 200 characters, lone surrogates escaped (`\\ud800`)."""
    if len(text) > 200:
        text = text[:200] + "..."
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _fail(what: str, text: str, i: int, problem: str) -> LiteralError:
    return LiteralError(f"Invalid {what} value '{_quoted(text)}': at character {i} {_quoted(problem)}")


def _open(text: str, opening: str, what: str) -> int:
    i = _skip_blanks(text, 0)
    if i >= len(text):
        raise _fail(what, text, i, f"expecting '{opening}' but got end of text")
    if text[i] != opening:
        raise _fail(what, text, i, f"expecting '{opening}' but got '{text[i]}'")
    return _skip_blanks(text, i + 1)


def _close(text: str, i: int, what: str) -> None:
    end = _skip_blanks(text, i)
    if end != len(text):
        raise _fail(what, text, end, f"unexpected text after the closing bracket: '{text[end:]}'")


def split_elements(text: str, opening: str, closing: str, what: str) -> list[str]:
    """`[1, 'a', {2}]` -> `['1', "'a'", '{2}']`: the element texts, still quoted, of a list, set, tuple or vector."""
    i = _open(text, opening, what)
    n = len(text)
    elements: list[str] = []
    if i < n and text[i] == closing:
        _close(text, i + 1, what)
        return elements
    while True:
        j = _element_end(text, i)
        if j < 0:
            raise _fail(what, text, i, "expecting a value")
        elements.append(text[i:j])
        i = _skip_blanks(text, j)
        if i >= n:
            raise _fail(what, text, i, f"expecting ',' or '{closing}' but got end of text")
        if text[i] == closing:
            _close(text, i + 1, what)
            return elements
        if text[i] != ",":
            raise _fail(what, text, i, f"expecting ',' or '{closing}' but got '{text[i]}'")
        i = _skip_blanks(text, i + 1)


def split_pairs(text: str, what: str, *, names: bool = False) -> list[tuple[str, str]]:
    """`{k1: 1, 'k 2': [3]}` -> `[('k1', '1'), ("'k 2'", '[3]')]`: the (key, value) texts of a map or UDT literal.

    With `names`, a key may also be a double-quoted name (`{"First": 'x'}`)."""
    i = _open(text, "{", what)
    n = len(text)
    pairs: list[tuple[str, str]] = []
    if i < n and text[i] == "}":
        _close(text, i + 1, what)
        return pairs
    key_end = _name_end if names else _element_end
    while True:
        j = key_end(text, i)
        if j < 0:
            raise _fail(what, text, i, "expecting a key")
        key = text[i:j]
        i = _skip_blanks(text, j)
        if i >= n or text[i] != ":":
            got = f"'{text[i]}'" if i < n else "end of text"
            raise _fail(what, text, i, f"expecting ':' but got {got}")
        i = _skip_blanks(text, i + 1)
        j = _element_end(text, i)
        if j < 0:
            raise _fail(what, text, i, "expecting a value")
        pairs.append((key, text[i:j]))
        i = _skip_blanks(text, j)
        if i >= n:
            raise _fail(what, text, i, "expecting ',' or '}' but got end of text")
        if text[i] == "}":
            _close(text, i + 1, what)
            return pairs
        if text[i] != ",":
            raise _fail(what, text, i, f"expecting ',' or '}}' but got '{text[i]}'")
        i = _skip_blanks(text, i + 1)


def split_entries(text: str) -> list[tuple[str, str]]:
    """`[{'key': 'a', 'value': 1}, ...]` (the non-compact map form as a string) -> `[("'a'", '1'), ...]`."""
    what = "Non-Compact Map"
    pairs: list[tuple[str, str]] = []
    for entry in split_elements(text, "[", "]", what):
        fields = {name_of(name): value for name, value in split_pairs(entry, what, names=True)}
        if len(fields) != 2 or "key" not in fields or "value" not in fields:
            raise LiteralError(
                f"Invalid {what} value '{_quoted(text)}': every entry must have exactly a 'key' and a 'value'"
            )
        pairs.append((fields["key"], fields["value"]))
    return pairs
