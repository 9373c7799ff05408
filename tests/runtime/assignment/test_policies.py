"""Assignment policies decide purely from their inputs, and say why."""

from __future__ import annotations

from runtime.assignment.policies import Inputs, choose_many, policies

ROUND_ROBIN = policies.load("round_robin")
LOAD_BALANCE = policies.load("load_balance")
FIELD_MAP = policies.load("field_map")


def test_round_robin_cycles_through_the_available_candidates_by_turn() -> None:
    config = {"users": ["east_a", "east_b", "east_c"]}
    assert ROUND_ROBIN.candidates(config) == ("east_a", "east_b", "east_c")
    picks = [
        ROUND_ROBIN.choose(config, Inputs(("east_a", "east_b"), turn=t)).user for t in (1, 2, 3)
    ]
    assert picks == ["east_a", "east_b", "east_a"]  # east_c is unavailable: not a candidate
    why = ROUND_ROBIN.choose(config, Inputs(("east_a", "east_b"), turn=4)).why
    assert why == {"policy": "round_robin", "turn": 4, "of": ["east_a", "east_b"]}
    assert ROUND_ROBIN.choose(config, Inputs((), turn=1)).user is None


def test_load_balance_takes_the_fewest_open_items_then_the_configured_order() -> None:
    config = {"users": ["north_a", "north_b"]}
    busy = Inputs(("north_a", "north_b"), loads={"north_a": 5, "north_b": 2})
    choice = LOAD_BALANCE.choose(config, busy)
    assert choice.user == "north_b"
    assert choice.why == {"policy": "load_balance", "loads": {"north_a": 5, "north_b": 2}}
    assert LOAD_BALANCE.choose(config, Inputs(("north_a", "north_b"))).user == "north_a"
    # Simulating five more: the load evens out, each pick counting for the next.
    picks = [c.user for c in choose_many(LOAD_BALANCE, config, busy, 5)]
    assert picks == ["north_b", "north_b", "north_b", "north_a", "north_b"]


def test_field_map_routes_by_territory_with_a_default() -> None:
    config = {"field": "city", "map": {"北京": "wang", "深圳": "south_a"}, "default": "qian"}
    candidates = FIELD_MAP.candidates(config)
    assert candidates == ("wang", "south_a", "qian")
    assert FIELD_MAP.choose(config, Inputs(candidates, {"city": "北京"})).user == "wang"
    fallback = FIELD_MAP.choose(config, Inputs(candidates, {"city": "成都"}))
    assert (fallback.user, fallback.why["mapped"]) == ("qian", False)
    on_leave = FIELD_MAP.choose(config, Inputs(("south_a", "qian"), {"city": "北京"}))
    assert on_leave.user is None
    assert on_leave.why["unavailable"] == "wang"


def test_round_robin_simulation_continues_from_the_turn() -> None:
    config = {"users": ["east_a", "east_b"]}
    picks = choose_many(ROUND_ROBIN, config, Inputs(("east_a", "east_b"), turn=2), 3)
    assert [c.user for c in picks] == ["east_b", "east_a", "east_b"]


def test_directory_availability_follows_backups() -> None:
    from runtime.org.directory import Directory

    directory = Directory(
        on_leave=frozenset({"east_a", "east_b", "north_a"}),
        backup_of={"east_a": "east_b", "east_b": "li", "north_a": "north_a_twin"},
    )
    assert directory.available("east_a") == "li"  # east_b is away too: on to li
    assert directory.available("li") == "li"
    assert directory.available("south_a") == "south_a"
    loop = Directory(on_leave=frozenset({"a", "b"}), backup_of={"a": "b", "b": "a"})
    assert loop.available("a") is None
    assert Directory(on_leave=frozenset({"c"})).available("c") is None  # away, no backup
