package io.dualcore.gateway.auth.oidc;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetParseException;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.util.Map;
import org.springframework.util.Assert;

/**
 * The bottom of an issuer's key-source chain: fetches its JWKS over HTTP. When no JWKS URI is configured it is
 * discovered lazily from the issuer's metadata on first use, and discovery is retried on every later fetch until it
 * succeeds, so the gateway starts (and serves edge traffic) while the IdP is down. Caching, rate limiting and outage
 * tolerance are layered on top by Nimbus' {@code JWKSourceBuilder}.
 */
final class DiscoveringJwkSetSource implements JWKSetSource<SecurityContext> {

    private final String issuer;

    private final URI metadataUri;

    private final ResourceRetriever retriever;

    private volatile URL jwksUrl;

    DiscoveringJwkSetSource(String issuer, URI jwksUri, URI metadataUri, ResourceRetriever retriever) {
        Assert.hasText(issuer, "issuer cannot be empty");
        Assert.isTrue(jwksUri != null || metadataUri != null, "jwksUri or metadataUri is required");
        Assert.notNull(retriever, "retriever cannot be null");
        this.issuer = issuer;
        this.metadataUri = metadataUri;
        this.retriever = retriever;
        this.jwksUrl = (jwksUri != null) ? toUrl(jwksUri) : null;
    }

    @Override
    public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
            throws KeySourceException {
        URL url = resolveJwksUrl();
        Resource resource;
        try {
            resource = this.retriever.retrieveResource(url);
        } catch (IOException ex) {
            throw new JWKSetUnavailableException("Couldn't fetch the JWKS of " + this.issuer, ex);
        }
        try {
            return JWKSet.parse(resource.getContent());
        } catch (ParseException ex) {
            throw new JWKSetParseException("Couldn't parse the JWKS of " + this.issuer, ex);
        }
    }

    private URL resolveJwksUrl() throws KeySourceException {
        URL url = this.jwksUrl;
        if (url != null) {
            return url;
        }
        Map<String, Object> metadata;
        try {
            metadata = JSONObjectUtils.parse(
                    this.retriever.retrieveResource(toUrl(this.metadataUri)).getContent());
        } catch (IOException | ParseException | RuntimeException ex) {
            throw new JWKSetUnavailableException("Couldn't discover the metadata of " + this.issuer, ex);
        }
        // OpenID Connect Discovery 1.0 §4.3: the metadata must name exactly the issuer we trust
        if (!this.issuer.equals(metadata.get("issuer"))) {
            throw new JWKSetUnavailableException(
                    "The metadata at " + this.metadataUri + " names another issuer than " + this.issuer, null);
        }
        Object jwksUri = metadata.get("jwks_uri");
        if (!(jwksUri instanceof String text)) {
            throw new JWKSetUnavailableException("The metadata of " + this.issuer + " has no jwks_uri", null);
        }
        url = toUrl(URI.create(text));
        this.jwksUrl = url;
        return url;
    }

    private static URL toUrl(URI uri) {
        try {
            return uri.toURL();
        } catch (MalformedURLException | IllegalArgumentException ex) {
            throw new IllegalArgumentException("Not a valid URL: " + uri, ex);
        }
    }

    @Override
    public void close() {}
}
