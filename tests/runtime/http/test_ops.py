"""Health and Prometheus metrics."""

from __future__ import annotations


def test_healthz_checks_the_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_metrics_count_requests_by_route_template(client, admin_headers):
    client.get("/api/apps/crm/forms/lead/records/1", headers=admin_headers)
    client.get("/api/apps/crm/forms/lead/records/2", headers=admin_headers)
    client.get("/no/such/page")
    text = client.get("/metrics").text
    route = "/api/apps/{app}/forms/{form}/records/{record_id}"
    assert f'formwork_http_requests_total{{method="GET",route="{route}",status="404"}} 2' in text
    assert 'route="unmatched",status="404"} 1' in text
    assert "formwork_http_request_seconds_bucket" in text


def test_openapi_and_self_hosted_docs(client):
    spec = client.get("/openapi.json").json()
    assert "/api/apps/{app}/forms/{form}/records" in spec["paths"]
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
