package io.dualcore.gateway.auth.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.web.ErrorCode;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class BearerTokenExtractorTests {

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl";

    private final BearerTokenExtractor extractor = new BearerTokenExtractor();

    private static MockServerHttpRequest withAuthorization(String... values) {
        return MockServerHttpRequest.get("/orders")
                .header(HttpHeaders.AUTHORIZATION, values)
                .build();
    }

    private void assertRejected(MockServerHttpRequest request, ErrorCode expected) {
        assertThatThrownBy(() -> this.extractor.extract(request))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "BeArEr ", "Bearer   "})
    void extractWhenBearerSchemeInAnyCaseThenToken(String prefix) {
        assertThat(this.extractor.extract(withAuthorization(prefix + TOKEN))).isEqualTo(TOKEN);
    }

    @Test
    void extractWhenNoAuthorizationHeaderThenNull() {
        assertThat(this.extractor.extract(MockServerHttpRequest.get("/orders").build()))
                .isNull();
    }

    @Test
    void extractWhenTwoAuthorizationHeadersThenInvalidRequest() {
        assertRejected(withAuthorization("Bearer " + TOKEN, "Bearer " + TOKEN), ErrorCode.INVALID_REQUEST);
        assertRejected(withAuthorization("Bearer " + TOKEN, "Basic dXNlcjpwYXNz"), ErrorCode.INVALID_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "?Access_Token=",
                "?ACCESS_TOKEN=",
                "?page=1&%61ccess_token=",
                "?access%5Ftoken=",
                "?x=1;access_token=",
                "?access_token=&access_token="
            })
    void extractWhenAccessTokenQueryParameterInAnySpellingBesideHeaderThenInvalidRequest(String query) {
        assertRejected(
                MockServerHttpRequest.method(HttpMethod.GET, URI.create("/orders" + query + TOKEN))
                        .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                        .build(),
                ErrorCode.INVALID_REQUEST);
    }

    @Test
    void extractWhenAccessTokenQueryParameterThenInvalidRequest() {
        assertRejected(
                MockServerHttpRequest.get("/orders?access_token=" + TOKEN).build(), ErrorCode.INVALID_REQUEST);
        // even alongside a valid header
        assertRejected(
                MockServerHttpRequest.get("/orders?access_token=" + TOKEN)
                        .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                        .build(),
                ErrorCode.INVALID_REQUEST);
        assertRejected(MockServerHttpRequest.get("/orders?access_token").build(), ErrorCode.INVALID_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Basic dXNlcjpwYXNz",
                "Digest username=\"x\"",
                "Token " + TOKEN,
                "Bearer",
                "Bearer:" + TOKEN,
                "Bearertoken",
                "Bearer\t" + TOKEN,
                TOKEN
            })
    void extractWhenNotBearerSchemeThenMissingToken(String authorization) {
        assertRejected(withAuthorization(authorization), ErrorCode.MISSING_TOKEN);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"Bearer a,b", "Bearer a b", "Bearer " + TOKEN + ", Bearer " + TOKEN, "Bearer " + TOKEN + " "})
    void extractWhenSeveralCredentialsThenInvalidRequest(String authorization) {
        assertRejected(withAuthorization(authorization), ErrorCode.INVALID_REQUEST);
    }

    @Test
    void extractWhenBearerWithOnlySpacesThenMalformedToken() {
        assertRejected(withAuthorization("Bearer    "), ErrorCode.MALFORMED_TOKEN);
    }

    private final BearerTokenExtractor dpopExtractor = new BearerTokenExtractor(true);

    @ParameterizedTest
    @ValueSource(strings = {"DPoP ", "dpop ", "DPOP ", "DPoP   "})
    void extractWhenDpopSchemeAndDpopOnThenTokenAndSchemeReported(String prefix) {
        MockServerHttpRequest request = withAuthorization(prefix + TOKEN);

        assertThat(this.dpopExtractor.extract(request)).isEqualTo(TOKEN);
        assertThat(BearerTokenExtractor.dpopScheme(request)).isTrue();
        assertThat(BearerTokenExtractor.dpopScheme(withAuthorization("Bearer " + TOKEN)))
                .isFalse();
    }

    @Test
    void extractWhenDpopSchemeAndNoIssuerUsesDpopThenMissingToken() {
        assertRejected(withAuthorization("DPoP " + TOKEN), ErrorCode.MISSING_TOKEN);
    }

    @Test
    void extractWhenDpopSchemeMalformedThenRefused() {
        assertThatThrownBy(() -> this.dpopExtractor.extract(withAuthorization("DPoP   ")))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.MALFORMED_TOKEN));
        assertThatThrownBy(() -> this.dpopExtractor.extract(withAuthorization("DPoP " + TOKEN + " " + TOKEN)))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThatThrownBy(() -> this.dpopExtractor.extract(withAuthorization("DPoPx" + TOKEN)))
                .isInstanceOfSatisfying(
                        TokenRejectedException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.MISSING_TOKEN));
    }
}
