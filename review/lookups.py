"""`AnyId`: a column equal to one of a list of ids, for lists that run to thousands (the assets
of everyone a search names, the approvals waiting for a second one).

`id IN (%s, %s, …)` costs a placeholder per id twice over before the query leaves Python:
Django prepares each value, and psycopg parses a query of more than 4,096 characters afresh on
every execution (it caches only shorter ones). A surname shared by 1,300 assets spent 12 ms a
request there (cProfile of bench/million.py's "queue, search surname"). On PostgreSQL the list
goes as one array parameter, `id = ANY(%s)`, which the planner treats as it treats IN; other
databases get the IN list.

    Asset.objects.filter(AnyId(F("pk"), ids))
    Q(AnyId(F("pk"), ids)) | Q(story_ref=…)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, F, Lookup
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler


class AnyId(Lookup[list[int]]):
    prepare_rhs = False

    def __init__(self, lhs: Expression | F, ids: Iterable[int]) -> None:
        # int() refuses anything that is not an id before it reaches SQL in any form.
        super().__init__(lhs, [int(value) for value in ids])

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        return compiler.compile(In(self.lhs, self.rhs))

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        if not self.rhs:
            raise EmptyResultSet  # as IN does: the condition matches nothing
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        # Typed as the column is: psycopg would send small ids as int4[], and against a bigint
        # column the planner then misjudges the cost and sorts a thousand rows in parallel
        # workers rather than walk the queue's order index (10 ms instead of 0.5).
        column_type = self.lhs.output_field.db_type(connection)
        # The array as its text form: psycopg's list dumper costs a microsecond per element.
        array = "{" + ",".join(map(str, self.rhs)) + "}"
        return f"{lhs_sql} = ANY(%s::{column_type}[])", (*lhs_params, array)
