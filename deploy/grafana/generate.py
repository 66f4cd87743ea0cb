#!/usr/bin/env python3
"""Writes dualcore-gateway.json next to this script: python3 deploy/grafana/generate.py.

The JSON is what operators import; this script is only how it is kept consistent (ids, grid, datasource input).
telemetry.DashboardMetricsIT reads the JSON, not this script.
"""
import json
import os

DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
R = "$__rate_interval"
SEL = 'instance=~"$instance"'
# the decision meters carry the door the decision came through (gateway, nginx, caddy, traefik, envoy-http, envoy-grpc)
DSEL = 'instance=~"$instance", door=~"$door"'

rows = []  # (title, [panel specs])


def ts(title, exprs, unit="short", description="", width=12, stack=False):
    return dict(kind="timeseries", title=title, exprs=exprs, unit=unit, description=description, width=width, stack=stack)


def stat(title, exprs, unit="short", description="", width=6, thresholds=None):
    return dict(kind="stat", title=title, exprs=exprs, unit=unit, description=description, width=width,
                thresholds=thresholds)


rows.append(("Traffic and refusals", [
    ts("Requests by route and status",
       [(f'sum by (route, status) (rate(dualcore_requests_total{{{DSEL}, route=~"$route"}}[{R}]))', "{{route}} {{status}}")],
       "reqps", "Routed requests by the status the client got (policy, limiter, core or gateway; 499: client left)."),
    ts("Decisions by door",
       [(f'sum by (door, outcome) (rate(dualcore_requests_total{{{DSEL}, route=~"$route"}}[{R}]))', "{{door}} {{outcome}}")],
       "reqps", "Decisions by the way the request arrived: gateway (proxied), nginx, caddy, traefik, envoy-http, envoy-grpc."),
    ts("Token verifications by mode and outcome",
       [(f'sum by (mode, outcome) (rate(dualcore_auth_requests_total{{{DSEL}}}[{R}]))', "{{mode}} {{outcome}}")],
       "reqps", "Tokens verified (success) or rejected (failure: mode unknown until a token is verified)."),
    ts("Verified tokens by realm",
       [(f'sum by (mode, realm) (rate(dualcore_auth_requests_total{{{DSEL}, outcome="success"}}[{R}]))', "{{mode}} {{realm}}")],
       "reqps"),
    ts("Refusals by code",
       [(f'sum by (code) (rate(dualcore_auth_requests_total{{{DSEL}, outcome="failure"}}[{R}]))', "token: {{code}}"),
        (f'sum by (code) (rate(dualcore_authz_decisions_total{{{DSEL}, outcome="denied", route=~"$route"}}[{R}]))', "policy: {{code}}"),
        (f'sum by (code) (rate(dualcore_requests_refused_total{{{DSEL}}}[{R}]))', "request: {{code}}")],
       "reqps", "401 token rejections, 403 policy denials, 400 refused paths/request-targets (README \"Errors\")."),
    ts("Policy denials by route and mode",
       [(f'sum by (route, mode, code) (rate(dualcore_authz_decisions_total{{{DSEL}, outcome="denied", route=~"$route"}}[{R}]))', "{{route}} {{mode}} {{code}}")],
       "reqps"),
    ts("Verified-token cache",
       [(f'sum by (result) (rate(dualcore_auth_cache_total{{{SEL}}}[{R}]))', "{{result}}")],
       "reqps", "A low hit share costs signature checks (and UserInfo calls where enabled)."),
]))

rows.append(("Latency", [
    ts("Route latency p50 / p99 (gateway + core)",
       [(f'histogram_quantile(0.5, sum by (le, routeId) (rate(spring_cloud_gateway_requests_seconds_bucket{{{SEL}, routeId=~"$route"}}[{R}])))', "p50 {{routeId}}"),
        (f'histogram_quantile(0.99, sum by (le, routeId) (rate(spring_cloud_gateway_requests_seconds_bucket{{{SEL}, routeId=~"$route"}}[{R}])))', "p99 {{routeId}}")],
       "s", "Spring Cloud Gateway's route timer (SLO buckets from config/application.yml): the core's time included.",
       width=24),
]))

rows.append(("Keys and certificates", [
    ts("JWKS age per issuer",
       [(f'max by (issuer) (dualcore_jwks_age_seconds{{{SEL}}})', "{{issuer}}")],
       "s", "Time since the IdP last served its keys; alert DualcoreJwksStale above 600 s."),
    ts("JWKS fetches per issuer",
       [(f'sum by (issuer, result) (rate(dualcore_jwks_fetches_total{{{SEL}}}[{R}]))', "{{issuer}} {{result}}")],
       "reqps"),
    stat("Keys per issuer",
         [(f'min by (issuer) (dualcore_jwks_keys{{{SEL}}})', "{{issuer}}")],
         "short", "0: no key set ever loaded, the issuer's tokens get 503 issuer_unavailable.",
         thresholds=[("red", None), ("green", 1)]),
    stat("Edge key ring version",
         [(f'max(dualcore_edge_keys_version{{{SEL}}})', "version"), (f'max(dualcore_edge_keys{{{SEL}}})', "keys")]),
    ts("Edge key usage",
       [(f'sum by (kid) (rate(dualcore_edge_key_usage_total{{{SEL}}}[{R}]))', "{{kid}}")],
       "reqps", "Shows when an old key is no longer used (runbook rotate-edge-keys)."),
    stat("Certificate expiry",
         [(f'min by (bundle, certificate) (ssl_chain_expiry_seconds{{{SEL}}})', "{{bundle}} {{certificate}}")],
         "s", "Spring Boot's SSL bundle metric (tls profile). Alerts below 14 days and 3 days.",
         thresholds=[("red", None), ("orange", 259200), ("green", 1209600)]),
]))

rows.append(("Rate limits and Redis", [
    ts("Rate-limit decisions",
       [(f'sum by (plan, outcome, backend, fallback) (rate(dualcore_ratelimit_decisions_total{{{DSEL}}}[{R}]))', "{{plan}} {{outcome}} {{backend}} fallback={{fallback}}")],
       "reqps", "limited: 429; unavailable: no decision could be made (plan failure policy)."),
    stat("Redis degraded",
         [(f'max by (instance) (dualcore_ratelimit_degraded{{{SEL}}})', "{{instance}}")],
         "short", "1: Redis is skipped, plans apply their failure policy.",
         thresholds=[("green", None), ("red", 1)]),
]))

rows.append(("Revocation and logout", [
    ts("Revocation changes",
       [(f'sum by (action, outcome, kind) (increase(dualcore_revocations_changes_total{{{SEL}}}[{R}]))', "{{action}} {{kind}} {{outcome}}")],
       "short", "Revocations added or lifted on each instance (admin API, CLI, back-channel logout); failure: the list was full."),
    ts("Back-channel logouts by realm",
       [(f'sum by (realm, outcome) (increase(dualcore_backchannel_logouts_total{{{SEL}}}[{R}]))', "{{realm}} {{outcome}}")],
       "short"),
    ts("Revoked tokens refused",
       [(f'sum by (mode) (rate(dualcore_auth_requests_total{{{DSEL}, outcome="failure", code="token_revoked"}}[{R}]))', "token_revoked")],
       "reqps"),
    stat("Revocations held",
         [(f'max by (instance) (dualcore_revocations_active{{{SEL}}})', "{{instance}}")], width=6),
    stat("Revocation sync age (Redis)",
         [(f'max by (instance) (dualcore_revocations_sync_age_seconds{{{SEL}}})', "{{instance}}")],
         "s", "Time since the shared revocations were last read from Redis (normally about 1 s).",
         width=6, thresholds=[("green", None), ("orange", 10), ("red", 60)]),
]))

rows.append(("Configuration reload", [
    ts("Configuration reloads",
       [(f'sum by (outcome) (increase(dualcore_config_reload_total{{{SEL}}}[{R}]))', "{{outcome}}")],
       "short", "applied: routes, policies or plans changed live; refused: a check failed and the previous configuration "
       "serves (runbook config-refused); restart_required: only settings that need a restart changed."),
    stat("Configuration refused",
         [(f'max by (instance) (dualcore_config_refused{{{SEL}}})', "{{instance}}")],
         "short", "1: the latest candidate was refused; /actuator/health/configuration names the property.",
         thresholds=[("green", None), ("red", 1)]),
    stat("Settings waiting for a restart",
         [(f'max by (instance) (dualcore_config_restart_required{{{SEL}}})', "{{instance}}")],
         "short", "Changed properties that a reload does not apply (ports, TLS, Redis, issuers, ...): restart to apply.",
         thresholds=[("green", None), ("orange", 1)]),
]))

rows.append(("Connections", [
    ts("Open connections",
       [(f'sum by (server) (dualcore_connections_open{{{SEL}}})', "{{server}}")], "short"),
    ts("Connections closed by the gateway",
       [(f'sum by (server, reason) (rate(dualcore_connections_closed_total{{{SEL}}}[{R}]))', "{{server}} {{reason}}")],
       "cps", "max_connections: refused at the limit; *_timeout: slow or idle clients (runbook connection-limits)."),
]))

rows.append(("Audit", [
    ts("Audit events dropped",
       [(f'sum by (outcome) (rate(dualcore_audit_dropped_total{{{SEL}}}[{R}]))', "{{outcome}}")], "cps"),
    ts("Audit events pending",
       [(f'sum by (instance) (dualcore_audit_pending{{{SEL}}})', "{{instance}}")], "short"),
]))


def target(expr, legend, ref):
    return {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref, "range": True}


def panel(spec, pid, x, y):
    p = {
        "id": pid,
        "type": spec["kind"],
        "title": spec["title"],
        "description": spec["description"],
        "datasource": DS,
        "gridPos": {"h": 8, "w": spec["width"], "x": x, "y": y},
        "targets": [target(e, l, chr(ord("A") + i)) for i, (e, l) in enumerate(spec["exprs"])],
        "fieldConfig": {"defaults": {"unit": spec["unit"]}, "overrides": []},
        "options": {},
    }
    if spec["kind"] == "timeseries":
        p["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal" if spec["stack"] else "none"}}
        p["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}
    else:
        th = spec["thresholds"] or [("green", None)]
        p["fieldConfig"]["defaults"]["thresholds"] = {
            "mode": "absolute", "steps": [{"color": c, "value": v} for c, v in th]}
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "value", "graphMode": "area", "textMode": "auto"}
    return p


panels = []
pid = 1
y = 0
for title, specs in rows:
    panels.append({"id": pid, "type": "row", "title": title, "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
    pid += 1
    y += 1
    x = 0
    for spec in specs:
        if x + spec["width"] > 24:
            x = 0
            y += 8
        panels.append(panel(spec, pid, x, y))
        pid += 1
        x += spec["width"]
    y += 8


def variable(name, label, query, include_all=True):
    return {
        "name": name, "label": label, "type": "query", "datasource": DS,
        "query": {"query": query, "refId": name}, "definition": query,
        "refresh": 2, "includeAll": include_all, "multi": True, "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1,
    }


dashboard = {
    "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "description": "scrapes the gateways' :8081/actuator/prometheus",
                  "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"}],
    "__requires": [
        {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"},
        {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
        {"type": "panel", "id": "timeseries", "name": "Time series", "version": ""},
        {"type": "panel", "id": "stat", "name": "Stat", "version": ""},
    ],
    "uid": "dualcore-gateway",
    "title": "Dualcore Gateway",
    "description": "On-call view of the Dualcore Gateway (README \"Dashboards and alerts\")",
    "tags": ["dualcore", "gateway"],
    "timezone": "utc",
    "editable": True,
    "graphTooltip": 1,
    "refresh": "30s",
    "schemaVersion": 39,
    "version": 1,
    "time": {"from": "now-3h", "to": "now"},
    "templating": {"list": [
        variable("instance", "Instance", "label_values(dualcore_requests_total, instance)"),
        variable("route", "Route", "label_values(dualcore_requests_total, route)"),
        variable("door", "Door", "label_values(dualcore_requests_total, door)"),
    ]},
    "annotations": {"list": [{
        "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
    "panels": panels,
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dualcore-gateway.json")
with open(out, "w") as f:
    json.dump(dashboard, f, indent=2)
    f.write("\n")
