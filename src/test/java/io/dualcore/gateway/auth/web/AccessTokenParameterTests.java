package io.dualcore.gateway.auth.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class AccessTokenParameterTests {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "access_token=abc",
                "Access_Token=abc",
                "ACCESS_TOKEN=abc",
                "page=2&aCcEsS_tOkEn=abc",
                "%61ccess_token=abc",
                "access%5Ftoken=abc",
                "%41%43%43%45%53%53%5F%54%4F%4B%45%4E=abc",
                "access_token=",
                "access_token",
                "x=1&access_token",
                "access_token=a&access_token=b",
                "x=1;access_token=abc",
                "+access_token+=abc",
                "%20access_token=abc",
                "access_token%00=abc",
                "%09access_token=abc",
                // PHP reads space, . and [ in a name as _
                "access.token=abc",
                "access+token=abc",
                "access%20token=abc",
                "access[token=abc",
                // a Kelvin sign folds to k, as String.equalsIgnoreCase and some servers fold it
                "access_to\u212Aen=abc"
            })
    void inWhenAccessTokenParameterInAnySpellingThenTrue(String text) {
        assertThat(AccessTokenParameter.in(text)).isTrue();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "page=2&size=10",
                "token=abc",
                "my_access_token=abc",
                "access_tokens=abc",
                "access-token=abc",
                "q=access_token",
                "q=a%26access_token%3Dx",
                "access_token_hint=x",
                "access%5Ftoken%zz=abc"
            })
    void inWhenNoAccessTokenParameterThenFalse(String text) {
        assertThat(AccessTokenParameter.in(text)).isFalse();
    }
}
