package io.dualcore.gateway.policy;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.Operator;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import io.dualcore.gateway.auth.GatewayIdentity;
import io.dualcore.gateway.auth.Mode;
import io.dualcore.gateway.auth.VerificationModes;
import io.dualcore.gateway.auth.credentials.CredentialCarriers;
import io.dualcore.gateway.auth.credentials.CredentialsProperties;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * A route's access expression in CEL (Common Expression Language), compiled and type-checked once at startup and
 * evaluated per request after the list checks. Variables: the identity ({@code mode}, {@code realm},
 * {@code subject}, {@code roles}, {@code scopes}, {@code claims}) and the request ({@code method}, {@code path},
 * {@code headers}: only the route's selected headers, lower-case names). The expression must be a {@code bool};
 * anything but {@code true}, including an evaluation error such as a missing map key, denies (fail closed). A
 * comparison of {@code mode} with a string literal ({@code ==}, {@code !=}, {@code in [...]}) must name a registered
 * mode or {@code anonymous}: a typo would never be true, so it fails the compilation instead.
 *
 * @see <a href="https://github.com/google/cel-spec">CEL specification</a>
 */
public final class AccessExpression {

    /** The credential headers of a gateway with the default {@code dualcore.credentials}. */
    private static final CredentialCarriers DEFAULT_CREDENTIALS =
            CredentialCarriers.of(CredentialsProperties.defaults());

    /** The variable holding the identity's mode name. */
    private static final String MODE = "mode";

    /** Bounds the work of comprehensions ({@code all}, {@code exists}, {@code map}, ...) per evaluation. */
    private static final int MAX_ITERATIONS = 1_000;

    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setOptions(CelOptions.current()
                    .comprehensionMaxIterations(MAX_ITERATIONS)
                    .build())
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("mode", SimpleType.STRING)
            .addVar("realm", SimpleType.STRING)
            .addVar("subject", SimpleType.STRING)
            .addVar("roles", ListType.create(SimpleType.STRING))
            .addVar("scopes", ListType.create(SimpleType.STRING))
            .addVar("claims", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("method", SimpleType.STRING)
            .addVar("path", SimpleType.STRING)
            .addVar("headers", MapType.create(SimpleType.STRING, SimpleType.STRING))
            .setResultType(SimpleType.BOOL)
            .build();

    /** The identity's variables, converted to CEL values once per identity instance. */
    private static final GatewayIdentity.Derived<Map<String, Object>> IDENTITY_VARIABLES =
            GatewayIdentity.Derived.of(AccessExpression::identityVariables);

    private static final Map<String, Object> ANONYMOUS = Map.of(
            "mode",
            Mode.ANONYMOUS,
            "realm",
            "",
            "subject",
            "",
            "roles",
            List.of(),
            "scopes",
            List.of(),
            "claims",
            Map.of());

    private final String source;

    private final CelRuntime.Program program;

    private final List<String> headerNames;

    private AccessExpression(String source, CelRuntime.Program program, List<String> headerNames) {
        this.source = source;
        this.program = program;
        this.headerNames = headerNames;
    }

    /**
     * Compiles and type-checks an expression.
     *
     * @param property the property the expression came from, named in errors
     * @param source the CEL source
     * @param headers the request headers the expression may read (credentials headers are refused)
     * @param modes the registered modes: the only names (with {@code anonymous}) {@code mode} may be compared with
     * @throws IllegalStateException naming the property, the problem and the fix
     */
    public static AccessExpression compile(
            String property, String source, List<String> headers, VerificationModes modes) {
        return compile(property, source, headers, AccessExpression::isDefaultCredentialHeader, modes);
    }

    /**
     * Compiles and type-checks an expression.
     *
     * @param property the property the expression came from, named in errors
     * @param source the CEL source
     * @param headers the request headers the expression may read
     * @param credentialHeader whether a header carries credentials (the gateway's {@code dualcore.credentials}):
     *     such headers are refused, whatever a route forwards
     * @param modes the registered modes: the only names (with {@code anonymous}) {@code mode} may be compared with
     * @throws IllegalStateException naming the property, the problem and the fix
     */
    public static AccessExpression compile(
            String property,
            String source,
            List<String> headers,
            Predicate<String> credentialHeader,
            VerificationModes modes) {
        if (source == null || source.isBlank()) {
            throw new IllegalStateException(
                    property + " is empty; remove it or write a CEL expression such as" + " \"'admin' in roles\"");
        }
        List<String> names = new ArrayList<>();
        for (String header : headers) {
            String name = (header != null) ? header.trim().toLowerCase(Locale.ROOT) : "";
            if (name.isEmpty()) {
                throw new IllegalStateException(property + "-headers contains an empty entry");
            }
            if (credentialHeader.test(name)) {
                throw new IllegalStateException(property + "-headers: '" + header + "' carries credentials and cannot"
                        + " be read by an expression; use the identity variables instead");
            }
            names.add(name);
        }
        try {
            CelAbstractSyntaxTree ast = CEL.compile(source).getAst();
            checkModeLiterals(property, ast, modes);
            return new AccessExpression(source, CEL.createProgram(ast), List.copyOf(names));
        } catch (CelValidationException ex) {
            throw new IllegalStateException(property + ": the CEL expression does not compile to a bool over the"
                    + " variables mode, realm, subject, roles, scopes, claims, method, path and headers:\n"
                    + ex.getMessage());
        } catch (CelEvaluationException ex) {
            throw new IllegalStateException(property + ": the CEL expression cannot be planned: " + ex.getMessage());
        }
    }

    /**
     * Refuses a comparison of the {@code mode} variable with a string literal that is no registered mode name nor
     * {@code anonymous} ({@code mode == "odic"}, {@code "odic" != mode}, {@code mode in ["oidc", "odic"]}), wherever it
     * is nested. A comprehension variable named {@code mode} ({@code roles.exists(mode, mode == "admin")}) is not the
     * identity's mode and is left alone, as is any literal compared with something else.
     */
    private static void checkModeLiterals(String property, CelAbstractSyntaxTree ast, VerificationModes modes) {
        CelNavigableExpr root = CelNavigableAst.fromAst(ast).getRoot();
        Set<Long> shadowed = new HashSet<>();
        root.allNodes()
                .filter(node -> node.getKind() == CelExpr.ExprKind.Kind.COMPREHENSION)
                .map(node -> node.expr().comprehension())
                .filter(loop ->
                        MODE.equals(loop.iterVar()) || MODE.equals(loop.iterVar2()) || MODE.equals(loop.accuVar()))
                .flatMap(loop -> Stream.of(loop.loopCondition(), loop.loopStep(), loop.result()))
                .forEach(scope -> CelNavigableExpr.fromExpr(scope).allNodes().forEach(node -> shadowed.add(node.id())));
        List<String> known = new ArrayList<>(modes.names());
        known.add(Mode.ANONYMOUS);
        root.allNodes()
                .filter(node -> node.getKind() == CelExpr.ExprKind.Kind.CALL)
                .flatMap(node -> modeLiterals(node.expr().call(), shadowed).stream())
                .filter(literal -> !known.contains(literal))
                .findFirst()
                .ifPresent(literal -> {
                    throw new IllegalStateException(property + ": compares mode with \"" + literal + "\", which is"
                            + " not a registered mode (the comparison could never hold); registered modes are "
                            + modes.names() + ", or " + Mode.ANONYMOUS + " for a request without credentials");
                });
    }

    /** The string literals a call compares the {@code mode} variable with. */
    private static List<String> modeLiterals(CelExpr.CelCall call, Set<Long> shadowed) {
        List<CelExpr> args = call.args();
        if (args.size() != 2 || call.target().isPresent()) {
            return List.of();
        }
        String function = call.function();
        if (function.equals(Operator.EQUALS.getFunction()) || function.equals(Operator.NOT_EQUALS.getFunction())) {
            if (isModeVariable(args.get(0), shadowed)) {
                return stringLiteral(args.get(1));
            }
            if (isModeVariable(args.get(1), shadowed)) {
                return stringLiteral(args.get(0));
            }
        } else if ((function.equals(Operator.IN.getFunction()) || function.equals(Operator.OLD_IN.getFunction()))
                && isModeVariable(args.get(0), shadowed)
                && args.get(1).getKind() == CelExpr.ExprKind.Kind.LIST) {
            List<String> literals = new ArrayList<>();
            for (CelExpr element : args.get(1).list().elements()) {
                literals.addAll(stringLiteral(element));
            }
            return literals;
        }
        return List.of();
    }

    private static boolean isModeVariable(CelExpr expr, Set<Long> shadowed) {
        return expr.getKind() == CelExpr.ExprKind.Kind.IDENT
                && MODE.equals(expr.ident().name())
                && !shadowed.contains(expr.id());
    }

    private static List<String> stringLiteral(CelExpr expr) {
        return (expr.getKind() == CelExpr.ExprKind.Kind.CONSTANT
                        && expr.constant().getKind() == CelConstant.Kind.STRING_VALUE)
                ? List.of(expr.constant().stringValue())
                : List.of();
    }

    /** Whether a header carries credentials under the default {@code dualcore.credentials}. */
    static boolean isDefaultCredentialHeader(String name) {
        return DEFAULT_CREDENTIALS.isCredentialHeader(name);
    }

    /** The expression as configured. */
    public String source() {
        return this.source;
    }

    /**
     * Evaluates the expression.
     *
     * @param identity the verified identity, or {@code null} for an anonymous request
     * @param request the request
     * @return whether the expression is {@code true}; an evaluation error is {@code false}
     */
    public boolean allows(GatewayIdentity identity, ServerHttpRequest request) {
        Map<String, Object> who = (identity != null) ? identity.derived(IDENTITY_VARIABLES) : ANONYMOUS;
        CelVariableResolver variables = name -> switch (name) {
            case "method" -> Optional.of(request.getMethod().name());
            case "path" -> Optional.of(request.getPath().value());
            case "headers" -> Optional.of(selectedHeaders(request));
            default -> Optional.ofNullable(who.get(name));
        };
        try {
            return Boolean.TRUE.equals(this.program.eval(variables));
        } catch (CelEvaluationException | RuntimeException ex) {
            // fail closed: a missing key, an overflow or an unexpected claim type denies (403), never a 500
            return false;
        }
    }

    private Map<String, String> selectedHeaders(ServerHttpRequest request) {
        if (this.headerNames.isEmpty()) {
            return Map.of();
        }
        Map<String, String> selected = new LinkedHashMap<>();
        for (String name : this.headerNames) {
            String value = request.getHeaders().getFirst(name);
            if (value != null) {
                selected.put(name, value);
            }
        }
        return selected;
    }

    private static Map<String, Object> identityVariables(GatewayIdentity identity) {
        return Map.of(
                "mode", identity.mode().name(),
                "realm", (identity.realm() != null) ? identity.realm() : "",
                "subject", identity.subject(),
                "roles", List.copyOf(identity.roles()),
                "scopes", List.copyOf(identity.scopes()),
                "claims", celMap(identity.claims()));
    }

    /** Claims as CEL values: integers as {@code int}, dates as epoch seconds, nested lists and maps converted. */
    private static Object celValue(Object value) {
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float number) {
            return number.doubleValue();
        }
        if (value instanceof Date date) {
            return date.getTime() / 1000;
        }
        if (value instanceof Map<?, ?> map) {
            return celMap(map);
        }
        if (value instanceof Collection<?> values) {
            List<Object> list = new ArrayList<>(values.size());
            for (Object element : values) {
                Object converted = celValue(element);
                if (converted != null) {
                    list.add(converted);
                }
            }
            return List.copyOf(list);
        }
        if (value instanceof String || value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value;
        }
        return (value != null) ? value.toString() : null;
    }

    private static Map<String, Object> celMap(Map<?, ?> map) {
        Map<String, Object> converted = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            Object cel = celValue(value);
            if (key != null && cel != null) {
                converted.put(key.toString(), cel);
            }
        });
        return Map.copyOf(converted);
    }

    @Override
    public String toString() {
        return this.source;
    }
}
