package io.dualcore.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.dualcore.gateway.auth.ClaimValues;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.demo.EchoCore;
import io.dualcore.gateway.testsupport.RandomText;
import io.dualcore.gateway.testsupport.TestGateway;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;

/**
 * The identity-header contract through the real pipeline (a whole gateway, an echo upstream): whatever a signed
 * token's identity claims hold, the answer is never a 5xx; a 2xx carries headers that decode, with a standard
 * percent-decoder, to exactly the claims (so different claims can never give the same headers); anything else is
 * 401 {@code invalid_claim} (or {@code missing_claim} for an empty {@code sub}), exactly when the value cannot be
 * carried.
 */
class IdentityHeaderContractIT {

    private static final int TRIES = 300;

    private static final List<String> TRICKY = List.of(
            " ", "\t", ",", "\"", ";", "%", "+", "%2C", "é", "José", "😀", "\u0000", "\r\n", "\u0085", "a", "=", "\\");

    private static EchoCore edgeCore;

    private static EchoCore microserviceCore;

    private static TestGateway gateway;

    @BeforeAll
    static void start() {
        edgeCore = EchoCore.start("edge-core", "127.0.0.1", 0);
        microserviceCore = EchoCore.start("microservice-core", "127.0.0.1", 0);
        gateway = TestGateway.start(Map.of(
                "spring.config.import", "classpath:scenarios/identity.yml",
                "EDGE_CORE_URI", edgeCore.uri(),
                "MICROSERVICE_CORE_URI", microserviceCore.uri()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        edgeCore.close();
        microserviceCore.close();
    }

    @Test
    void anyIdentityClaimValuesThenNoServerErrorAndHeadersDecodeToTheClaims() {
        RandomText random = RandomText.create();
        for (int i = 0; i < TRIES; i++) {
            String subject = claimText(random);
            String device = claimText(random);
            List<String> roles = roles(random);
            List<String> scopes = roles(random);
            String described =
                    random.describe(i, "sub=" + subject + " device=" + device + " roles=" + roles + " scope=" + scopes);
            String token = TestTokens.demoEdge()
                    .claim("sub", subject)
                    .claim("device_id", device)
                    .claim("roles", roles)
                    .claim("scope", scopes)
                    .sign();

            ResponseEntity<String> response = gateway.get("/edge/contract", token, Map.of());

            boolean representable = representable(subject)
                    && representable(device)
                    && roles.stream().allMatch(r -> !r.isEmpty() && representable(r))
                    && scopes.stream().allMatch(s -> !s.isEmpty() && representable(s));
            if (subject.isEmpty()) {
                assertRefused(response, "missing_claim", described);
            } else if (!representable) {
                assertRefused(response, "invalid_claim", described);
            } else {
                assertThat(response.getStatusCode().value())
                        .as(described + ": " + response.getBody())
                        .isEqualTo(200);
                Map<String, String> headers = identityHeaders(response);
                assertThat(decode(headers.get("x-auth-subject"))).as(described).isEqualTo(subject);
                assertThat(decode(headers.get("x-auth-device")))
                        .as(described)
                        .isEqualTo(device.isEmpty() ? null : device);
                assertThat(decodeList(headers.get("x-auth-roles"), ","))
                        .as(described)
                        .isEqualTo(new HashSet<>(roles));
                assertThat(decodeList(headers.get("x-auth-scopes"), " "))
                        .as(described)
                        .isEqualTo(new HashSet<>(scopes));
            }
        }
    }

    @Test
    void subjectWithLeadingSpaceOrTabThenNoServerError() {
        assertThat(decode(identityHeaders(call(Map.of("sub", " alice"))).get("x-auth-subject")))
                .isEqualTo(" alice");
        assertThat(decode(identityHeaders(call(Map.of("sub", "alice "))).get("x-auth-subject")))
                .isEqualTo("alice ");
        assertRefused(call(Map.of("sub", "\talice")), "invalid_claim");
    }

    @Test
    void roleWithCommaThenOneRoleUpstream() {
        Map<String, String> headers = identityHeaders(call(Map.of("roles", List.of("user,admin"))));

        assertThat(headers.get("x-auth-roles")).isEqualTo("user%2Cadmin");
        assertThat(decodeList(headers.get("x-auth-roles"), ",")).containsExactly("user,admin");
    }

    @Test
    void claimOfTheWrongJsonTypeThenInvalidClaim() {
        assertRefused(call(Map.of("sub", 123)), "invalid_claim");
        assertRefused(call(Map.of("sub", true)), "invalid_claim");
        assertRefused(call(Map.of("sub", List.of("alice"))), "invalid_claim");
        assertRefused(call(Map.of("device_id", 7)), "invalid_claim");
        assertRefused(call(Map.of("roles", "admin")), "invalid_claim");
        assertRefused(call(Map.of("roles", List.of("user", 1))), "invalid_claim");
        assertRefused(call(Map.of("scope", Map.of("a", "b"))), "invalid_claim");
    }

    @Test
    void subjectWithUnpairedSurrogateOrOverlongThenInvalidClaim() {
        String payload = "{\"iss\":\"dualcore-edge\",\"aud\":\"dualcore-gateway\",\"sub\":\"\\ud800x\",\"jti\":\"j-"
                + System.nanoTime() + "\",\"iat\":" + (System.currentTimeMillis() / 1000) + ",\"exp\":"
                + (System.currentTimeMillis() / 1000 + 60) + "}";
        String token = TestTokens.hmacRaw(
                "{\"alg\":\"HS256\",\"kid\":\"edge-demo-1\",\"typ\":\"JWT\"}",
                payload,
                TestTokens.demoEdgeKey(),
                "HmacSHA256");
        assertRefused(gateway.get("/edge/contract", token, Map.of()), "invalid_claim");
        assertRefused(call(Map.of("sub", "a".repeat(ClaimValues.MAX_LENGTH + 1))), "invalid_claim");
    }

    private static ResponseEntity<String> call(Map<String, Object> claims) {
        TestTokens.Builder token = TestTokens.demoEdge();
        claims.forEach(token::claim);
        return gateway.get("/edge/contract", token.sign(), Map.of());
    }

    /** Text a claim can carry: no control character, not too long (the generators make only valid UTF-16). */
    private static boolean representable(String value) {
        return value.length() <= ClaimValues.MAX_LENGTH && value.chars().noneMatch(Character::isISOControl);
    }

    private static void assertRefused(ResponseEntity<String> response, String code) {
        assertRefused(response, code, "");
    }

    private static void assertRefused(ResponseEntity<String> response, String code, String described) {
        assertThat(response.getStatusCode().value())
                .as(described + ": " + response.getBody())
                .isEqualTo(401);
        assertThat(response.getBody()).contains("\"code\":\"" + code + "\"");
        assertThat(response.getHeaders().getFirst("WWW-Authenticate")).contains("invalid_token");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> identityHeaders(ResponseEntity<String> response) {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        try {
            Map<String, Object> echo = JSONObjectUtils.parse(response.getBody());
            Map<String, String> identity = new LinkedHashMap<>();
            ((Map<String, List<String>>) echo.get("headers")).forEach((name, values) -> {
                if (name.toLowerCase().startsWith("x-auth-")) {
                    assertThat(values).as(name).hasSize(1);
                    identity.put(name.toLowerCase(), values.get(0));
                }
            });
            return identity;
        } catch (java.text.ParseException ex) {
            throw new AssertionError(ex);
        }
    }

    private static String decode(String header) {
        return (header != null) ? URLDecoder.decode(header, StandardCharsets.UTF_8) : null;
    }

    private static Set<String> decodeList(String header, String separator) {
        return (header == null)
                ? Set.of()
                : Arrays.stream(header.split(separator, -1))
                        .map(IdentityHeaderContractIT::decode)
                        .collect(Collectors.toSet());
    }

    /** Claim text: any text without surrogates, tricky pieces joined, or one letter too long (3 : 3 : 1). */
    private static String claimText(RandomText random) {
        int kind = random.nextInt(7);
        if (kind < 3) {
            return random.any(30, false);
        }
        return (kind < 6) ? random.joined(TRICKY, 5) : random.letters(ClaimValues.MAX_LENGTH + 1);
    }

    /** Up to four distinct claim values shorter than 200. */
    private static List<String> roles(RandomText random) {
        return random.distinct(4, () -> {
            String value = claimText(random);
            return (value.length() < 200) ? value : value.substring(0, 199);
        });
    }
}
