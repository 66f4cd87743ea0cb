package io.dualcore.gateway.auth.credentials;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;

/**
 * The unverified credentials one client request carries beside its bearer token, found by
 * {@link CredentialCarriers#find}: removed from the upstream's copy of the headers, value by value, so a header or
 * cookie a route's own filter sets for the upstream stays.
 *
 * @param headers credential headers as the client spelled them, with the values it sent
 * @param cookiesSent the client's {@code Cookie} values that carry a credential cookie
 * @param cookiesKept each such value without its credential cookies (empty when none remain)
 */
public record ClientCredentials(Map<String, List<String>> headers, List<String> cookiesSent, List<String> cookiesKept) {

    /** Removes the client's credentials from the headers that go upstream. */
    public void removeFrom(HttpHeaders upstream) {
        this.headers.forEach((name, sent) -> removeValues(upstream, name, sent));
        if (this.cookiesSent.isEmpty()) {
            return;
        }
        List<String> cookies = upstream.get(HttpHeaders.COOKIE);
        if (cookies == null) {
            return;
        }
        List<String> kept = new ArrayList<>(cookies.size());
        for (String value : cookies) {
            int sent = this.cookiesSent.indexOf(value);
            String replacement = (sent >= 0) ? this.cookiesKept.get(sent) : value;
            if (!replacement.isEmpty()) {
                kept.add(replacement);
            }
        }
        if (kept.isEmpty()) {
            upstream.remove(HttpHeaders.COOKIE);
        } else {
            upstream.put(HttpHeaders.COOKIE, kept);
        }
    }

    /**
     * Removes the values the client sent under a name; every one when {@code sent} is {@code null}. One look-up of
     * the name in the usual case (every value is the client's): each look-up in Spring's {@link HttpHeaders}
     * lower-cases the name.
     */
    public static void removeValues(HttpHeaders upstream, String name, List<String> sent) {
        List<String> values = upstream.remove(name);
        if (values == null || sent == null) {
            return;
        }
        List<String> kept = null;
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            if (!sent.contains(value)) {
                if (kept == null) {
                    kept = new ArrayList<>(values.size());
                }
                kept.add(value);
            }
        }
        if (kept != null) {
            // a value the client did not send (a route's filter set it for the upstream) goes on
            upstream.put(name, kept);
        }
    }
}
