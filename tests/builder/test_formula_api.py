"""The formula editor's endpoints (builder/api/formula.py, builder/formula.py)."""

from __future__ import annotations

from builder import formula
from runtime import expr

URL = "/api/apps/crm/forms/quote_draft/formula/evaluate"

FIELDS = [
    {"key": "quantity", "type": "number", "label": {"en": "Quantity"}, "required": True},
    {"key": "price", "type": "money", "label": {"en": "Price"}, "config": {"min": 0}},
    {"key": "discount", "type": "percent", "label": {"en": "Discount"}},
    {
        "key": "subtotal",
        "type": "formula",
        "label": {"en": "Subtotal"},
        "config": {"expression": "{quantity}*{price}", "result": "money"},
    },
    {"key": "total", "type": "formula", "label": {"en": "Total"}, "config": {"expression": "1"}},
    {
        "key": "items",
        "type": "line_items",
        "label": {"en": "Items"},
        "config": {
            "columns": [
                {"key": "qty", "type": "number", "label": {"en": "Qty"}},
                {"key": "unit", "type": "money", "label": {"en": "Unit"}},
                {"key": "amount", "type": "money", "label": {"en": "Amount"}},
            ],
            "row_formulas": {"amount": "{qty}*{unit}"},
        },
    },
    {"key": "broken", "type": "select", "label": {"en": "Broken"}, "config": {}},
]


def evaluate(client, headers, **body):
    return client.post(URL, json={"fields": FIELDS, "field": "total", **body}, headers=headers)


def test_evaluates_through_other_formulas_with_coerced_sample_values(client, admin_headers):
    response = evaluate(
        client,
        admin_headers,
        expression="ROUND({subtotal}*(1-{discount}), 2)",
        sample={"quantity": "3", "price": "1,200.5", "discount": "0.1", "broken": "x"},
        result="money",
    )
    assert response.status_code == 200, response.text
    out = response.json()
    # 3 × 1200.50 = 3601.50; × 0.9 = 3241.35
    assert out["value"] == "3241.35"
    assert out["refs"] == ["discount", "subtotal"]
    assert out["sample"]["subtotal"] == "3601.50"
    assert out["sample"]["price"] == "1200.50"
    assert "broken" not in out["sample"]  # a field the formula does not read is left out


def test_line_item_columns_and_row_formulas_are_computed(client, admin_headers):
    rows = [{"qty": 2, "unit": "10"}, {"qty": "1", "unit": "5.5"}]
    response = evaluate(
        client, admin_headers, expression="SUM({items.amount})", sample={"items": rows}
    )
    assert response.status_code == 200, response.text
    assert response.json()["value"] == 26  # number, no decimals: 20 + 5.5 → 25.5 rounds to 26


def test_a_row_formula_is_evaluated_over_the_columns_as_fields(client, admin_headers):
    columns = FIELDS[5]["config"]["columns"]
    response = client.post(
        URL,
        json={"fields": columns, "expression": "{qty}*{unit}", "sample": {"qty": 4, "unit": "2.5"}},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["value"] == 10


def test_text_date_and_boolean_results_and_their_display_text(client, admin_headers):
    text = evaluate(
        client, admin_headers, expression='"Q-"&{quantity}', sample={"quantity": 7}, result="text"
    )
    assert text.json()["value"] == "Q-7"
    day = evaluate(client, admin_headers, expression="DATE(2026, 2, 3)", result="date")
    assert day.json()["value"] == "2026-02-03"
    yes = client.post(
        f"{URL}?lang=zh-CN",
        json={
            "fields": FIELDS,
            "expression": "{quantity}>2",
            "sample": {"quantity": 3},
            "result": "boolean",
        },
        headers=admin_headers,
    )
    assert (yes.json()["value"], yes.json()["text"]) == (True, "是")


def test_a_syntax_error_is_a_422_on_the_expression(client, admin_headers):
    response = evaluate(client, admin_headers, expression="1 + (2")
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert problem["field"] == "expression"
    assert problem["code"] == "syntax_error"
    assert "position" in problem["message"]


def test_unknown_functions_and_fields_are_named(client, admin_headers):
    unknown_function = evaluate(client, admin_headers, expression="EVAL(1)")
    assert unknown_function.status_code == 422
    assert unknown_function.json()["errors"][0]["field"] == "expression"
    unknown_field = evaluate(client, admin_headers, expression="{nowhere}+{total}")
    assert unknown_field.status_code == 422
    errors = unknown_field.json()["errors"]
    assert [e["code"] for e in errors] == ["unknown_field", "unknown_field"]
    assert "nowhere" in errors[0]["message"]
    assert "total" in errors[1]["message"]


def test_an_evaluation_error_is_a_422_with_its_message(client, admin_headers):
    response = evaluate(client, admin_headers, expression="{quantity}/0", sample={"quantity": 1})
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert problem["field"] == "expression"
    assert "zero" in problem["message"].lower()


def test_a_sample_value_the_field_refuses_is_named(client, admin_headers):
    response = evaluate(
        client, admin_headers, expression="{price}+1", sample={"price": "-3"}, result="money"
    )
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert problem["field"] == "sample.price"
    assert problem["code"] == "too_small"


def test_a_misconfigured_field_the_formula_reads_is_named(client, admin_headers):
    response = evaluate(client, admin_headers, expression="{broken}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "fields.broken"


def test_the_stored_form_is_used_without_fields(client, admin_headers):
    response = client.post(
        "/api/apps/crm/forms/quote/formula/evaluate",
        json={
            "expression": "{discount}*2",
            "sample": {"discount": "0.75"},
            "result": "number",
            "decimals": 2,
        },
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["value"] == "1.50"


def test_bad_bodies_are_4xx_never_500(client, admin_headers, rep_headers):
    bad_bodies = [
        {},
        {"expression": ""},
        {"expression": "1", "result": "nope"},
        {"expression": "1", "sample": []},
        {"expression": "1", "fields": "x"},
        {"expression": "1", "fields": [{"key": 1}, "x", {"key": "a", "type": "nope"}]},
        {"expression": "1", "field": "Bad Key"},
        {"expression": "1", "extra": True},
        {"expression": "\u0000"},
        {"expression": "x" * 4001},
        {"expression": "1" + "+1" * 1999},
    ]
    for body in bad_bodies:
        response = client.post(URL, json=body, headers=admin_headers)
        assert 400 <= response.status_code < 500 or response.status_code == 200, (
            body,
            response.text,
        )
        if response.status_code != 200:
            assert response.json()["errors"][0]["code"], body
    assert client.post(URL, json={"expression": "1"}, headers=rep_headers).status_code == 403
    assert client.post(URL, json={"expression": "1"}).status_code == 401
    missing_app = client.post(
        "/api/apps/nope/forms/x/formula/evaluate", json={"expression": "1"}, headers=admin_headers
    )
    assert missing_app.status_code == 404


def test_the_function_list_follows_the_interpreter_table(client, admin_headers):
    assert set(formula.FUNCTION_HELP) == set(expr.FUNCTIONS)
    response = client.get("/api/formula/functions", headers=admin_headers)
    assert response.status_code == 200
    items = {item["name"]: item for item in response.json()["items"]}
    assert set(items) == set(expr.FUNCTIONS)
    assert items["IF"]["min_args"] == 2
    assert items["IF"]["max_args"] == 3
    assert all(
        item["description"]["zh-CN"] and item["description"]["en"] for item in items.values()
    )
    assert client.get("/api/formula/functions").status_code == 401
