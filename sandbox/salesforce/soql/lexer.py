"""SOQL tokens, and the MALFORMED_QUERY errors Salesforce words with a caret under the culprit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.salesforce.errors import SfError

_KEYWORD_TEXT = (
    "SELECT FROM WHERE AND OR NOT IN LIKE NULL TRUE FALSE ORDER BY ASC DESC NULLS FIRST LAST LIMIT OFFSET "
    "GROUP HAVING INCLUDES EXCLUDES USING SCOPE WITH FOR UPDATE VIEW REFERENCE ALL ROWS TYPEOF"
)
KEYWORDS = frozenset(_KEYWORD_TEXT.split())
_STRING_ESCAPES = {
    "n": "\n",
    "N": "\n",
    "r": "\r",
    "R": "\r",
    "t": "\t",
    "T": "\t",
    "b": "\b",
    "B": "\b",
    "f": "\f",
    "F": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<badtime>\d{4}-\d{2}-\d{2}T[0-9:.+\-Z]*)
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),:+\-])
  | (?P<string>')
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: kind (keyword/ident/string/number/date/datetime/op/punct/eof), text and 0-based position."""

    kind: str
    text: str
    pos: int
    value: object = None


def located(query: str, pos: int, message: str, code: str = "MALFORMED_QUERY") -> SfError:
    """An error whose message shows the query, a caret and the row/column, as Salesforce prints them."""
    line = query.replace("\n", " ")
    start = max(0, pos - 80)
    excerpt = line[start : pos + 40]
    caret = " " * (pos - start) + "^"
    return SfError(400, code, f"\n{excerpt}\n{caret}\nERROR at Row:1:Column:{pos + 1}\n{message}")


def _read_string(query: str, start: int) -> tuple[str, str, int]:
    """(value, raw text between the quotes, end) of the string literal opening at `start`."""
    out: list[str] = []
    i = start + 1
    while i < len(query):
        ch = query[i]
        if ch == "'":
            return "".join(out), query[start + 1 : i], i + 1
        if ch == "\\":
            nxt = query[i + 1 : i + 2]
            if nxt in _STRING_ESCAPES:
                out.append(_STRING_ESCAPES[nxt])
            elif nxt in ("%", "_"):
                out.append("\\" + nxt)  # kept escaped: only LIKE gives them meaning
            else:
                raise located(
                    query,
                    i,
                    "Invalid string literal '" + query[start + 1 : i + 2] + "'. "
                    "Illegal character sequence '\\" + nxt + "' in string literal.",
                )
            i += 2
            continue
        out.append(ch)
        i += 1
    raise located(query, start, f"line 1:{len(query)} mismatched character '<EOF>' expecting '''")


def tokenize(query: str) -> list[Token]:
    """The tokens of a SOQL statement, ending with an `eof` token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None:
            raise located(query, pos, f"line 1:{pos} no viable alternative at character '{query[pos]}'")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "string":
            value, raw, end = _read_string(query, pos)
            tokens.append(Token("string", raw, pos, value))
            pos = end
            continue
        if kind == "badtime":
            raise located(query, pos, f"line 1:{pos} no viable alternative at character '{text[-1:]}'")
        if kind == "ident" and text.upper() in KEYWORDS:
            tokens.append(Token("keyword", text.upper(), pos))
        elif kind != "ws":
            tokens.append(Token(kind, text, pos))
        pos = match.end()
    tokens.append(Token("eof", "<EOF>", len(query)))
    return tokens
