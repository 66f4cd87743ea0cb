package io.dualcore.gateway.extauthz;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.dualcore.gateway.decision.Decision;
import io.dualcore.gateway.decision.DecisionEngine;
import io.dualcore.gateway.decision.DecisionRequest;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Envoy's {@code ext_authz} gRPC service over the {@link DecisionEngine}: the original request described by
 * {@code CheckRequest.attributes.request.http} (method, path with query, host, scheme, lower-case headers) and
 * {@code attributes.source.address} is decided as door {@code envoy-grpc}, and answered
 *
 * <ul>
 *   <li>on allow: status {@code OK} and an {@link OkHttpResponse} whose {@code headers} set the identity headers
 *       (overwriting), whose {@code headers_to_remove} names every reserved identity header the client sent, and
 *       whose {@code response_headers_to_add} carry the route plan's {@code RateLimit} headers;
 *   <li>on refusal: status {@code UNAUTHENTICATED} (401) or {@code PERMISSION_DENIED} (any other refusal) and a
 *       {@link DeniedHttpResponse} with the gateway's own status, problem body, challenge, {@code Retry-After} and
 *       {@code RateLimit} headers.
 * </ul>
 *
 * A request that cannot be described (no path, a method that is not a token, an unknown scheme, an oversized path
 * or header section) is a refusal with its problem code, never a gRPC error. Never reads a body.
 *
 * @see <a href="https://www.envoyproxy.io/docs/envoy/latest/api-v3/service/auth/v3/external_auth.proto">Envoy
 *     external_auth.proto</a>
 */
public final class ExtAuthzService extends AuthorizationGrpc.AuthorizationImplBase {

    /** The door's name in decisions, metrics and audit lines. */
    public static final String DOOR = "envoy-grpc";

    private static final Log logger = LogFactory.getLog(ExtAuthzService.class);

    private static final int MAX_METHOD_LENGTH = 32;

    private final DecisionEngine engine;

    private final ProblemResponses problems;

    private final ExtAuthzGrpcProperties settings;

    /**
     * The client's headers in the reserved identity namespace of the decision's configuration (the engine's
     * {@link DecisionEngine#reservedHeader}) are named in {@code headers_to_remove}.
     */
    public ExtAuthzService(DecisionEngine engine, ProblemResponses problems, ExtAuthzGrpcProperties settings) {
        Assert.notNull(engine, "engine cannot be null");
        Assert.notNull(problems, "problems cannot be null");
        Assert.notNull(settings, "settings cannot be null");
        this.engine = engine;
        this.problems = problems;
        this.settings = settings;
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> responses) {
        Disposable running = decide(request)
                .subscribe(
                        answer -> {
                            responses.onNext(answer);
                            responses.onCompleted();
                        },
                        ex -> {
                            // not a bad request (those are refusals): an unexpected failure, which Envoy treats as a
                            // denial
                            logger.error("ext_authz check failed", ex);
                            responses.onError(io.grpc.Status.UNAVAILABLE
                                    .withDescription("The decision could not be made")
                                    .asRuntimeException());
                        });
        if (responses instanceof ServerCallStreamObserver<CheckResponse> call) {
            call.setOnCancelHandler(running::dispose);
        }
    }

    /** The answer to one check; never an error signal for a request that cannot be described. */
    Mono<CheckResponse> decide(CheckRequest check) {
        ServerWebExchange carrier = DetachedExchange.create();
        DecisionRequest original;
        try {
            original = describe(check);
        } catch (Undescribable ex) {
            return denied(carrier, null, new Decision.Problem(ex.code, ex.getMessage(), null, -1), new HttpHeaders());
        }
        HttpHeaders clientHeaders = original.headers();
        return this.engine
                .decide(carrier, original)
                .flatMap(decision -> decision.allowed()
                        ? Mono.just(allowed(decision, clientHeaders, this.engine.reservedHeader(carrier)))
                        : denied(carrier, decision.path(), decision.problem(), decision.responseHeaders()));
    }

    private CheckResponse allowed(Decision decision, HttpHeaders clientHeaders, Predicate<String> reservedHeader) {
        OkHttpResponse.Builder ok = OkHttpResponse.newBuilder();
        decision.upstreamHeaders().forEach((name, values) -> addAll(ok::addHeaders, name, values));
        for (String name : clientHeaders.headerNames()) {
            if (reservedHeader.test(name) && !decision.upstreamHeaders().containsHeader(name)) {
                ok.addHeadersToRemove(name.toLowerCase(Locale.ROOT));
            }
        }
        decision.responseHeaders().forEach((name, values) -> addAll(ok::addResponseHeadersToAdd, name, values));
        return CheckResponse.newBuilder()
                .setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                .setOkResponse(ok)
                .build();
    }

    /** The gateway's problem response, written by its one problem writer and copied into Envoy's denial. */
    private Mono<CheckResponse> denied(
            ServerWebExchange carrier, String path, Decision.Problem problem, HttpHeaders responseHeaders) {
        ServerWebExchange answered = carrier.mutate()
                .request(r -> r.path((path != null) ? path : "/"))
                .build();
        answered.getResponse().getHeaders().addAll(responseHeaders);
        Mono<Void> written = (problem.retryAfter() >= 0)
                ? this.problems.write(answered, problem.code(), problem.detail(), problem.scope(), problem.retryAfter())
                : this.problems.write(answered, problem.code(), problem.detail(), problem.scope());
        return written.then(Mono.fromSupplier(() -> {
            DetachedExchange.CapturingResponse response = DetachedExchange.response(carrier);
            int status = problem.code().status().value();
            DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
                    .setStatus(HttpStatus.newBuilder().setCodeValue(status))
                    .setBody(new String(response.body(), StandardCharsets.UTF_8));
            response.getHeaders().forEach((name, values) -> addAll(denied::addHeaders, name, values));
            return CheckResponse.newBuilder()
                    .setStatus(Status.newBuilder()
                            .setCode((status == 401) ? Code.UNAUTHENTICATED_VALUE : Code.PERMISSION_DENIED_VALUE)
                            .setMessage(problem.code().code()))
                    .setDeniedResponse(denied)
                    .build();
        }));
    }

    /** The first value overwrites what the request or response has; further values of the name are appended. */
    private static void addAll(
            java.util.function.Consumer<HeaderValueOption> target, String name, List<String> values) {
        String key = name.toLowerCase(Locale.ROOT);
        for (int i = 0; i < values.size(); i++) {
            target.accept(HeaderValueOption.newBuilder()
                    .setHeader(HeaderValue.newBuilder().setKey(key).setValue(values.get(i)))
                    .setAppendAction(
                            (i == 0)
                                    ? HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
                                    : HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)
                    .build());
        }
    }

    private DecisionRequest describe(CheckRequest check) {
        AttributeContext attributes = check.getAttributes();
        if (!attributes.hasRequest() || !attributes.getRequest().hasHttp()) {
            throw new Undescribable(
                    ErrorCode.ORIGINAL_REQUEST_MISSING, "The check does not carry the original HTTP request");
        }
        AttributeContext.HttpRequest http = attributes.getRequest().getHttp();
        String target = http.getPath();
        if (target.isEmpty()) {
            throw new Undescribable(ErrorCode.ORIGINAL_REQUEST_MISSING, "The check does not carry the original path");
        }
        if (target.length() > this.settings.maxRequestTargetLength()) {
            throw new Undescribable(ErrorCode.REQUEST_LINE_TOO_LONG, "The original path is too long");
        }
        String method = http.getMethod();
        if (method.isEmpty() || method.length() > MAX_METHOD_LENGTH || !isToken(method)) {
            throw new Undescribable(ErrorCode.ORIGINAL_REQUEST_MISSING, "The original method is not a method name");
        }
        String scheme = http.getScheme().isEmpty() ? "http" : http.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Undescribable(
                    ErrorCode.ORIGINAL_REQUEST_MISSING, "The original scheme is neither http nor https");
        }
        HttpHeaders headers = headers(http);
        String host = http.getHost();
        if (host.isEmpty()) {
            host = headers.getFirst(HttpHeaders.HOST);
        }
        return new DecisionRequest(
                DOOR,
                HttpMethod.valueOf(method),
                target,
                scheme,
                (host != null && !host.isEmpty()) ? host : null,
                headers,
                client(attributes));
    }

    /**
     * The original headers: Envoy's {@code headers} map (lower-case names, repeated values joined), or its
     * {@code header_map} when Envoy sends raw headers; HTTP/2 pseudo-headers left out ({@code :authority} is the
     * {@code host} attribute).
     */
    private HttpHeaders headers(AttributeContext.HttpRequest http) {
        HttpHeaders headers = new HttpHeaders();
        long size = 0;
        if (http.hasHeaderMap() && http.getHeadersCount() == 0) {
            for (HeaderValue header : http.getHeaderMap().getHeadersList()) {
                String value = header.getRawValue().isEmpty()
                        ? header.getValue()
                        : header.getRawValue().toString(StandardCharsets.UTF_8);
                size += add(headers, header.getKey(), value);
            }
        } else {
            for (Map.Entry<String, String> header : http.getHeadersMap().entrySet()) {
                size += add(headers, header.getKey(), header.getValue());
            }
        }
        if (size > this.settings.maxHeaderSize()) {
            throw new Undescribable(ErrorCode.REQUEST_HEADERS_TOO_LARGE, "The original headers are too large");
        }
        return headers;
    }

    private static long add(HttpHeaders headers, String name, String value) {
        if (name.isEmpty() || name.charAt(0) == ':') {
            return name.length() + value.length();
        }
        if (!isToken(name)) {
            throw new Undescribable(ErrorCode.MALFORMED_REQUEST, "An original header name is not a token");
        }
        headers.add(name, value);
        return name.length() + value.length();
    }

    /** The peer Envoy saw: an address literal only (never a name to resolve), else unknown. */
    private static InetSocketAddress client(AttributeContext attributes) {
        if (!attributes.hasSource() || !attributes.getSource().hasAddress()) {
            return null;
        }
        Address address = attributes.getSource().getAddress();
        if (!address.hasSocketAddress()) {
            return null;
        }
        String literal = address.getSocketAddress().getAddress();
        InetAddress parsed = (literal.length() <= 64) ? NetUtil.createInetAddressFromIpAddressString(literal) : null;
        if (parsed == null) {
            return null;
        }
        int port = address.getSocketAddress().getPortValue();
        return new InetSocketAddress(parsed, (port >= 0 && port <= 65535) ? port : 0);
    }

    /** RFC 9110 §5.6.2 {@code token}. */
    private static boolean isToken(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean tchar = (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    /** The check's request cannot be described: a refusal with this code. */
    private static final class Undescribable extends RuntimeException {

        private final ErrorCode code;

        Undescribable(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }
}
