package io.dualcore.gateway.live.web;

import io.dualcore.gateway.auth.TokenRejectedException;
import io.dualcore.gateway.auth.web.AdminAuthenticator;
import io.dualcore.gateway.live.ConfigurationReloader;
import io.dualcore.gateway.web.ErrorCode;
import io.dualcore.gateway.web.ProblemResponses;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST :8081/admin/config/reload}: an authenticated admin ({@link AdminAuthenticator}, as for revocations)
 * has the configuration files read, checked and, when valid, put in force at once. {@code 200} with the outcome and
 * versions; {@code 422 config_refused} with the reason when a check fails (the configuration in force keeps serving).
 */
public final class ConfigReloadHandler {

    public static final String PATH = "/admin/config/reload";

    private final AdminAuthenticator admins;

    private final ConfigurationReloader reloader;

    private final ProblemResponses errors;

    private final Scheduler scheduler;

    private final JsonMapper json = JsonMapper.builder().build();

    /** @param scheduler where the reload runs (it reads files and blocks: never on an event loop) */
    public ConfigReloadHandler(
            AdminAuthenticator admins, ConfigurationReloader reloader, ProblemResponses errors, Scheduler scheduler) {
        Assert.notNull(admins, "admins cannot be null");
        Assert.notNull(reloader, "reloader cannot be null");
        Assert.notNull(errors, "errors cannot be null");
        Assert.notNull(scheduler, "scheduler cannot be null");
        this.admins = admins;
        this.reloader = reloader;
        this.errors = errors;
        this.scheduler = scheduler;
    }

    public Mono<ServerResponse> reload(ServerRequest request) {
        return this.admins
                .authenticate(request.exchange().getRequest())
                .flatMap(admin -> Mono.fromCallable(() -> this.reloader.reload(admin.subject()))
                        .subscribeOn(this.scheduler))
                .flatMap(this::answer)
                .onErrorResume(TokenRejectedException.class, ex -> problem(ex.errorCode(), ex.description()));
    }

    private Mono<ServerResponse> answer(ConfigurationReloader.Result result) {
        if (result.outcome() == ConfigurationReloader.Outcome.REFUSED) {
            return problem(
                    ErrorCode.CONFIG_REFUSED,
                    "Configuration " + result.version() + " refused, " + result.previousVersion() + " keeps serving: "
                            + result.message());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("outcome", result.outcome().value());
        body.put("version", result.version());
        body.put("previousVersion", result.previousVersion());
        body.put("changes", result.message());
        body.put("restartRequired", result.restartRequired());
        return ServerResponse.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .cacheControl(CacheControl.noStore())
                .bodyValue(this.json.writeValueAsBytes(body));
    }

    private Mono<ServerResponse> problem(ErrorCode code, String description) {
        return ServerResponse.status(code.status())
                .build((exchange, context) -> this.errors.write(exchange, code, description, null));
    }
}
