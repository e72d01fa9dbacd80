"""Parse the COQL SELECT subset: columns, FROM, WHERE (comparisons, and/or, between, in, like, is null),
ORDER BY, LIMIT/OFFSET.

COQL's own rules [zoho.md §2.4; V7 COQL page]: only SELECT; a WHERE clause is required; more than
two criteria must be grouped with brackets (`(a and b) and c`, never `a and b and c`); keywords are
case-insensitive; `limit offset, count` and `limit count offset offset` are both accepted.
Errors are `SYNTAX_ERROR` with `details.near` / `details.clause`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.zoho.errors import ZohoError

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.|'')*')|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])|(?P<op>!=|<>|>=|<=|=|>|<)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)|(?P<star>\*))"
)
KEYWORDS = {
    "select", "from", "where", "and", "or", "not", "in", "between", "is", "null",
    "like", "order", "by", "asc", "desc", "limit", "offset", "true", "false",
}  # fmt: skip


@dataclass(frozen=True)
class Token:
    kind: str  # string | number | op | punct | word | keyword | star
    text: str
    value: Any = None


@dataclass(frozen=True)
class Condition:
    """`column operator values` (`values` empty for is null / is not null)."""

    column: str
    operator: str  # = != > >= < <= like |not like| in |not in| between |not between| is null |is not null
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Junction:
    """`left and|or right`."""

    operator: str
    left: Condition | Junction
    right: Condition | Junction


@dataclass
class Query:
    columns: list[str]
    module: str
    where: Condition | Junction
    order_by: list[tuple[str, str]] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    criteria: int = 0


def syntax(near: str) -> ZohoError:
    """The SYNTAX_ERROR Zoho sends for a token it could not place."""
    return ZohoError(400, "SYNTAX_ERROR", {"near": near}, "error occured while parsing the query")


def tokenize(text: str) -> list[Token]:
    """Split a query into tokens; an unknown character is a syntax error."""
    tokens: list[Token] = []
    position = 0
    text = text.rstrip().rstrip(";")
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise syntax(text[position:].split()[0] if text[position:].split() else text[position:])
        kind = match.lastgroup or ""
        raw = match.group(kind)
        position = match.end()
        tokens.append(_token(kind, raw))
    return tokens


def _token(kind: str, raw: str) -> Token:
    if kind == "string":
        return Token(kind, raw, raw[1:-1].replace("\\'", "'").replace("''", "'"))
    if kind == "number":
        return Token(kind, raw, float(raw) if "." in raw else int(raw))
    if kind == "word" and raw.lower() in KEYWORDS:
        return Token("keyword", raw.lower())
    return Token(kind, raw)


class Parser:
    """A recursive-descent parser over the token list."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.criteria = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise syntax("end of query")
        self.at += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "keyword" and token.text in words

    def expect(self, word: str) -> None:
        token = self.next()
        if token.kind != "keyword" or token.text != word:
            raise syntax(token.text)

    def parse(self) -> Query:
        self.expect("select")
        columns = self._columns()
        if not self.keyword("from"):
            raise ZohoError(400, "SYNTAX_ERROR", {"clause": "from"}, "missing clause")
        self.next()
        module = self.next()
        if module.kind != "word":
            raise syntax(module.text)
        if not self.keyword("where"):
            raise ZohoError(400, "SYNTAX_ERROR", {"clause": "where"}, "missing clause")
        self.next()
        query = Query(columns, module.text, self._expression())
        self._tail(query)
        query.criteria = self.criteria
        return query

    def _columns(self) -> list[str]:
        columns: list[str] = []
        while True:
            token = self.next()
            if token.kind != "word":
                raise syntax(token.text)
            columns.append(token.text)
            if not (self.peek() and self.peek().text == ","):  # type: ignore[union-attr]
                return columns
            self.next()

    def _expression(self) -> Condition | Junction:
        left = self._term()
        if not self.keyword("and", "or"):
            return left
        operator = self.next().text
        right = self._term()
        if self.keyword("and", "or"):
            # More than two criteria at one level must be bracketed in COQL.
            raise syntax(self.next().text)
        return Junction(operator, left, right)

    def _term(self) -> Condition | Junction:
        token = self.peek()
        if token is not None and token.text == "(":
            self.next()
            inner = self._expression()
            closing = self.next()
            if closing.text != ")":
                raise syntax(closing.text)
            return inner
        return self._condition()

    def _condition(self) -> Condition:
        column = self.next()
        if column.kind != "word":
            raise syntax(column.text)
        self.criteria += 1
        negated = self.keyword("not")
        if negated:
            self.next()
        token = self.next()
        if token.kind == "op" and not negated:
            return Condition(column.text, "!=" if token.text == "<>" else token.text, (self._value(),))
        if token.text == "is":
            return self._is_null(column.text)
        if token.text in ("like", "in", "between"):
            operator = f"not {token.text}" if negated else token.text
            return Condition(column.text, operator, self._operands(token.text))
        raise syntax(token.text)

    def _is_null(self, column: str) -> Condition:
        negated = self.keyword("not")
        if negated:
            self.next()
        self.expect("null")
        return Condition(column, "is not null" if negated else "is null")

    def _operands(self, operator: str) -> tuple[Any, ...]:
        if operator == "like":
            return (self._value(),)
        if operator == "between":
            low = self._value()
            self.expect("and")
            return (low, self._value())
        opening = self.next()
        if opening.text != "(":
            raise syntax(opening.text)
        values = [self._value()]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.next()
            values.append(self._value())
        if self.next().text != ")":
            raise syntax(")")
        return tuple(values)

    def _value(self) -> Any:
        token = self.next()
        if token.kind in ("string", "number"):
            return token.value
        if token.kind == "keyword" and token.text in ("true", "false"):
            return token.text == "true"
        if token.kind == "word":
            return token.text  # COQL accepts bare picklist values, e.g. Lead_Source = Advertisement
        raise syntax(token.text)

    def _tail(self, query: Query) -> None:
        if self.keyword("order"):
            self.next()
            self.expect("by")
            query.order_by = self._order_list()
        if self.keyword("limit"):
            self.next()
            first = self._integer("limit")
            if self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.next()
                query.offset, query.limit = first, self._integer("limit")
            else:
                query.limit = first
                if self.keyword("offset"):
                    self.next()
                    query.offset = self._integer("offset")
        if self.peek() is not None:
            raise syntax(self.next().text)

    def _order_list(self) -> list[tuple[str, str]]:
        order: list[tuple[str, str]] = []
        while True:
            column = self.next()
            if column.kind != "word":
                raise syntax(column.text)
            direction = self.next().text if self.keyword("asc", "desc") else "asc"
            order.append((column.text, direction))
            if not (self.peek() is not None and self.peek().text == ","):  # type: ignore[union-attr]
                return order
            self.next()

    def _integer(self, clause: str) -> int:
        token = self.next()
        if token.kind != "number" or not isinstance(token.value, int) or token.value < 0:
            raise ZohoError(400, "INVALID_QUERY", {clause: token.text}, f"{clause} given seems to be invalid")
        return int(token.value)


def parse(text: str) -> Query:
    """A parsed COQL query, or the SYNTAX_ERROR / INVALID_QUERY Zoho sends."""
    tokens = tokenize(text)
    if not tokens or tokens[0].text != "select":
        raise ZohoError(400, "SYNTAX_ERROR", {"near": tokens[0].text if tokens else ""}, "query not supported")
    return Parser(tokens).parse()
