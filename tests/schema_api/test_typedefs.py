"""Type strings as Stargate clients write them, parsed and written again as CQL (a pure function: no node)."""

from __future__ import annotations

import pytest

from app.exceptions import RowsError
from app.schema_ddl.typedefs import MAX_DEPTH, cql_type


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("text", "text"),
        ("TEXT", "text"),
        ("map<text,int>", "map<text, int>"),
        ("Frozen< List<Int> >", "frozen<list<int>>"),
        (
            "map<text,frozen<list<frozen<tuple<double,double>>>>>",
            "map<text, frozen<list<frozen<tuple<double, double>>>>>",
        ),
        ("vector<float, 3>", "vector<float, 3>"),
        ("address", "address"),
        ("fullName", '"fullName"'),
        ('"Quoted""Name"', '"Quoted""Name"'),
        ("udt<Address>", '"Address"'),
        ("frozen<udt<address>>", "frozen<address>"),
        ("select", '"select"'),
    ],
)
def test_a_type_is_written_again_as_cql(given: str, written: str) -> None:
    assert cql_type(given, "column 'c'") == written


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("", "typeDefinition must be provided"),
        ("map<text", "ends too early"),
        ("list<int, int>", "list takes 1 type, not 2"),
        ("int<text>", "'int' takes no parameters"),
        ("frozen", "frozen needs its parameters"),
        ("'org.example.MyType'", "custom types"),
        ("text; DROP KEYSPACE x", "unexpected ';'"),
        ("vector<float, 0>", "a vector's size"),
        ("a b", "unexpected 'b'"),
        ("list<" * (MAX_DEPTH + 2) + "int" + ">" * (MAX_DEPTH + 2), "nests deeper"),
        ("x" * 1001, "longer than 1000"),
    ],
)
def test_a_type_that_is_not_one_is_a_400_naming_the_problem(given: str, problem: str) -> None:
    with pytest.raises(RowsError) as refused:
        cql_type(given, "column 'c'")
    assert refused.value.status == 400
    assert problem in refused.value.detail
