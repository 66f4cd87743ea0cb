package io.dualcore.gateway.auth.revocation.web;

import io.dualcore.gateway.auth.revocation.Revocation;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Answers and body reading shared by the management endpoints of revocation. */
final class ManagementResponses {

    static final ResolvableType FORM =
            ResolvableType.forClassWithGenerics(MultiValueMap.class, String.class, String.class);

    private ManagementResponses() {}

    /** A problem answer, written by the house's one error writer. */
    static Mono<ServerResponse> problem(ProblemResponses errors, ErrorCode code, String description) {
        return ServerResponse.status(code.status())
                .build((exchange, context) -> errors.write(exchange, code, description, null));
    }

    /** A problem answer that also carries the OAuth error members ({@code error}, {@code error_description}). */
    static Mono<ServerResponse> oauthProblem(
            ProblemResponses errors, ErrorCode code, String description, String oauthError) {
        return ServerResponse.status(code.status())
                .build((exchange, context) -> errors.writeOAuthError(exchange, code, description, oauthError));
    }

    static Mono<ServerResponse> json(int status, Object body, JsonMapper json) {
        return ServerResponse.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .cacheControl(CacheControl.noStore())
                .bodyValue(json.writeValueAsBytes(body));
    }

    /** Whether the request's declared body size is over the limit (a chunked body is limited while read). */
    static boolean declaredTooLarge(ServerHttpRequest request, int maxBytes) {
        return request.getHeaders().getContentLength() > maxBytes;
    }

    /**
     * The request body, at most {@code maxBytes}: an error signal carrying a {@link DataBufferLimitException} beyond.
     */
    static Mono<byte[]> body(ServerHttpRequest request, int maxBytes) {
        return DataBufferUtils.join(request.getBody(), maxBytes)
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0]);
    }

    static boolean isTooLarge(Throwable ex) {
        return ex instanceof DataBufferLimitException;
    }

    /** A revocation as the admin API and the CLI show it. */
    static Map<String, Object> toJson(Revocation revocation) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kind", revocation.kind().value());
        json.put("realm", revocation.realm());
        json.put("value", revocation.value());
        if (revocation.issuedBefore() != null) {
            json.put("issuedBefore", revocation.issuedBefore().toString());
        }
        if (revocation.sessionlessOnly()) {
            json.put("sessionlessOnly", true);
        }
        json.put("until", revocation.until().toString());
        json.put("actor", revocation.actor());
        return json;
    }
}
