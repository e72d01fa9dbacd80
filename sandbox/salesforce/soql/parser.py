"""SOQL syntax: a recursive-descent parser for the subset the sandbox serves.

SELECT fields (parent paths such as Account.Name, COUNT(), COUNT/SUM/AVG/MIN/MAX/COUNT_DISTINCT with
aliases) FROM object [WHERE ...] [GROUP BY ...] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...]
[LIMIT n] [OFFSET n]. Like Salesforce, AND and OR may not be mixed without parentheses.
Not served: child subqueries, TYPEOF, HAVING, semi-joins, INCLUDES/EXCLUDES, FOR VIEW/UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.salesforce.soql.lexer import Token, located, tokenize

AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})
OPERATORS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">=", "IN", "NOT IN", "LIKE"})


@dataclass(frozen=True, slots=True)
class Literal:
    """A value in a condition: kind is string/number/date/datetime/null/boolean/dateliteral."""

    kind: str
    value: object
    pos: int
    text: str


@dataclass(frozen=True, slots=True)
class FieldPath:
    """`Account__r.Owner.Name` as its parts, with where it was written."""

    parts: tuple[str, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An aggregate in the select list; `path` is None for COUNT()."""

    function: str
    path: FieldPath | None
    alias: str | None
    pos: int


@dataclass(frozen=True, slots=True)
class Condition:
    """`path op value`; value is a Literal or, for IN, a tuple of Literals."""

    path: FieldPath
    op: str
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True, slots=True)
class Junction:
    """AND / OR of several expressions."""

    op: str
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Negation:
    """NOT expression."""

    item: Expr


Expr = Condition | Junction | Negation


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One ORDER BY key."""

    path: FieldPath
    descending: bool
    nulls_last: bool


@dataclass
class Query:
    """A parsed SOQL statement."""

    text: str
    items: list[FieldPath | Aggregate]
    sobject: str
    sobject_pos: int
    where: Expr | None = None
    group_by: list[FieldPath] = field(default_factory=list)
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None

    @property
    def count_only(self) -> bool:
        """`SELECT COUNT() FROM ...`: only totalSize is returned."""
        return len(self.items) == 1 and isinstance(self.items[0], Aggregate) and self.items[0].path is None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def unexpected(self, token: Token | None = None) -> Exception:
        token = token or self.tok
        shown = token.text if token.kind == "eof" else f"{token.text}"
        return located(self.text, token.pos, f"unexpected token: {shown}")

    def keyword(self, *words: str) -> bool:
        if self.tok.kind == "keyword" and self.tok.text in words:
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            raise self.unexpected()

    def punct(self, char: str) -> bool:
        if self.tok.kind == "punct" and self.tok.text == char:
            self.i += 1
            return True
        return False

    def path(self) -> FieldPath:
        token = self.next()
        if token.kind != "ident":
            raise self.unexpected(token)
        return FieldPath(tuple(token.text.split(".")), token.pos)

    def integer(self) -> int:
        token = self.next()
        if token.kind != "number" or not token.text.isdigit():
            raise self.unexpected(token)
        return int(token.text)

    def parse(self) -> Query:
        self.expect("SELECT")
        items = self.select_list()
        self.expect("FROM")
        token = self.next()
        if token.kind == "keyword" and token.text in ("ORDER", "GROUP") and self.tok.text.upper() != "BY":
            token = Token("ident", self.text[token.pos : token.pos + len(token.text)], token.pos)  # `FROM Order`
        if token.kind != "ident" or "." in token.text:
            raise self.unexpected(token)
        query = Query(self.text, items, token.text, token.pos)
        if self.tok.kind == "ident":  # an object alias: `FROM Account a`
            raise self.unexpected()
        if self.keyword("WHERE"):
            query.where = self.condition()
        if self.keyword("GROUP"):
            self.expect("BY")
            query.group_by = [self.path()]
            while self.punct(","):
                query.group_by.append(self.path())
        if self.keyword("ORDER"):
            self.expect("BY")
            query.order_by = [self.order_item()]
            while self.punct(","):
                query.order_by.append(self.order_item())
        if self.keyword("LIMIT"):
            query.limit = self.integer()
        if self.keyword("OFFSET"):
            query.offset = self.integer()
        if self.tok.kind != "eof":
            raise self.unexpected()
        return query

    def select_list(self) -> list[FieldPath | Aggregate]:
        items = [self.select_item()]
        while self.punct(","):
            items.append(self.select_item())
        return items

    def select_item(self) -> FieldPath | Aggregate:
        token = self.tok
        if token.kind == "ident" and token.text.upper() in AGGREGATES and self.tokens[self.i + 1].text == "(":
            self.i += 2
            path = None if self.tok.text == ")" else self.path()
            if not self.punct(")"):
                raise self.unexpected()
            if path is None and token.text.upper() != "COUNT":
                raise self.unexpected(self.tokens[self.i - 1])
            alias = self.next().text if self.tok.kind == "ident" else None
            return Aggregate(token.text.upper(), path, alias, token.pos)
        if token.kind == "punct" and token.text == "(":
            raise located(self.text, token.pos, "Child relationship subqueries are not served by this sandbox")
        return self.path()

    def order_item(self) -> OrderItem:
        path = self.path()
        descending = self.keyword("DESC")
        if not descending:
            self.keyword("ASC")
        nulls_last = descending
        if self.keyword("NULLS"):
            if self.keyword("LAST"):
                nulls_last = True
            elif self.keyword("FIRST"):
                nulls_last = False
            else:
                raise self.unexpected()
        return OrderItem(path, descending, nulls_last)

    def condition(self) -> Expr:
        first = self.simple()
        if self.tok.kind != "keyword" or self.tok.text not in ("AND", "OR"):
            return first
        op = self.tok.text
        items = [first]
        while self.keyword(op):
            items.append(self.simple())
        if self.tok.kind == "keyword" and self.tok.text in ("AND", "OR"):
            raise self.unexpected()  # Salesforce refuses `a AND b OR c` without parentheses
        return Junction(op, tuple(items))

    def simple(self) -> Expr:
        if self.keyword("NOT"):
            return Negation(self.simple())
        if self.punct("("):
            inner = self.condition()
            if not self.punct(")"):
                raise self.unexpected()
            return inner
        path = self.path()
        return Condition(path, *self.operator_and_value())

    def operator_and_value(self) -> tuple[str, Literal | tuple[Literal, ...]]:
        token = self.next()
        if token.kind == "op":
            return ("!=" if token.text == "<>" else token.text), self.literal()
        if token.kind == "keyword" and token.text == "LIKE":
            return "LIKE", self.literal()
        if token.kind == "keyword" and token.text in ("IN", "NOT"):
            op = "IN"
            if token.text == "NOT":
                self.expect("IN")
                op = "NOT IN"
            if not self.punct("("):
                raise self.unexpected()
            values = [self.literal()]
            while self.punct(","):
                values.append(self.literal())
            if not self.punct(")"):
                raise self.unexpected()
            return op, tuple(values)
        raise self.unexpected(token)

    def literal(self) -> Literal:
        token = self.next()
        if token.kind == "string":
            return Literal("string", token.value, token.pos, token.text)
        if token.kind in ("date", "datetime"):
            return Literal(token.kind, token.text, token.pos, token.text)
        if token.kind == "number":
            return Literal("number", token.text, token.pos, token.text)
        if token.kind == "punct" and token.text in "+-" and self.tok.kind == "number":
            number = self.next()
            return Literal("number", token.text + number.text, token.pos, token.text + number.text)
        if token.kind == "keyword" and token.text in ("NULL", "TRUE", "FALSE"):
            kind = "null" if token.text == "NULL" else "boolean"
            return Literal(kind, None if kind == "null" else token.text == "TRUE", token.pos, token.text)
        if token.kind == "ident" and "." not in token.text:
            return self.date_literal(token)
        raise self.unexpected(token)

    def date_literal(self, token: Token) -> Literal:
        name = token.text.upper()
        if self.punct(":"):
            amount = self.next()
            if amount.kind != "number" or not amount.text.isdigit():
                raise self.unexpected(amount)
            return Literal("dateliteral", (name, int(amount.text)), token.pos, f"{token.text}:{amount.text}")
        return Literal("dateliteral", (name, None), token.pos, token.text)


def parse(text: str) -> Query:
    """Parse a SOQL statement, raising MALFORMED_QUERY the way Salesforce words it."""
    return _Parser(text).parse()
