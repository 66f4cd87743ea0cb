package io.dualcore.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The PromQL reading of {@link MetricReferences}, on which {@code DashboardMetricsIT} relies. */
class MetricReferencesTests {

    @Test
    void expressionWhenFunctionsSelectorsAndGroupingThenMetricsAndLabelsOnly() {
        MetricReferences references = MetricReferences.of(List.of(
                "histogram_quantile(0.99, sum by (le, routeId) (rate(spring_cloud_gateway_requests_seconds_bucket"
                        + "{instance=~\"$instance\", routeId=~\"$route\"}[$__rate_interval])))",
                "sum by (code) (rate(dualcore_auth_requests_total{outcome=\"failure\"}[5m])) "
                        + "or sum by (code) (rate(dualcore_requests_refused_total[1h] offset 5m))",
                "dualcore:refusals:rate5m > 1 and dualcore:refusals:rate5m > 2 * dualcore:refusals:rate1h",
                "max by (issuer) (dualcore_jwks_age_seconds) > 600",
                "label_values(dualcore_requests_total, route)"));

        assertThat(references.labelsByMetric())
                .isEqualTo(Map.of(
                        "spring_cloud_gateway_requests_seconds_bucket", Set.of("instance", "routeId"),
                        "dualcore_auth_requests_total", Set.of("outcome"),
                        "dualcore_requests_refused_total", Set.of(),
                        "dualcore_jwks_age_seconds", Set.of(),
                        "dualcore_requests_total", Set.of("route")));
        assertThat(references.groupings())
                .extracting(MetricReferences.Grouping::labels)
                .containsExactly(Set.of("le", "routeId"), Set.of("code"), Set.of("issuer"));
    }

    @Test
    void missingFromWhenMetricOrLabelAbsentThenEachNamed() {
        MetricReferences references = MetricReferences.of(List.of(
                "sum by (realm) (rate(dualcore_auth_requests_total{mode=\"oidc\"}[5m]))",
                "dualcore_no_such_metric > 0",
                "sum by (tenant) (dualcore_jwks_keys)"));
        Map<String, Set<String>> scraped = Map.of(
                "dualcore_auth_requests_total", Set.of("mode", "realm", "outcome", "code"),
                "dualcore_jwks_keys", Set.of("issuer"));

        assertThat(references.missingFrom(scraped))
                .containsExactlyInAnyOrder(
                        "metric dualcore_no_such_metric",
                        "label tenant (grouping) of sum by (tenant) (dualcore_jwks_keys)");
        assertThat(MetricReferences.of(List.of("dualcore_jwks_keys{tenant=\"a\"}"))
                        .missingFrom(scraped))
                .containsExactly("label tenant of dualcore_jwks_keys");
    }

    @Test
    void shippedDashboardAndRulesWhenReadThenEveryPanelAndRuleContributes() throws Exception {
        List<String> dashboard = MetricReferences.dashboardExpressions(Path.of("deploy/grafana/dualcore-gateway.json"));
        List<String> rules = MetricReferences.ruleExpressions(Path.of("deploy/prometheus/dualcore-alerts.yml"));

        assertThat(dashboard)
                .hasSizeGreaterThan(25)
                .allSatisfy(expr -> assertThat(expr).isNotBlank());
        assertThat(rules).hasSizeGreaterThan(10);
        MetricReferences references = MetricReferences.of(dashboard);
        assertThat(references.labelsByMetric())
                .containsKeys(
                        "dualcore_requests_total",
                        "dualcore_auth_requests_total",
                        "dualcore_jwks_age_seconds",
                        "dualcore_ratelimit_decisions_total",
                        "dualcore_ratelimit_degraded",
                        "dualcore_connections_closed_total",
                        "spring_cloud_gateway_requests_seconds_bucket",
                        "ssl_chain_expiry_seconds",
                        "dualcore_revocations_changes_total",
                        "dualcore_backchannel_logouts_total");
        assertThat(references.labelsByMetric().keySet())
                .allSatisfy(metric -> assertThat(metric).matches("(dualcore|ssl|spring_cloud_gateway)_[a-z0-9_]+"));
    }
}
