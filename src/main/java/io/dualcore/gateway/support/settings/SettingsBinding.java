package io.dualcore.gateway.support.settings;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.validation.Validator;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.validation.MessageInterpolatorFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.validation.annotation.Validated;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

/**
 * Binds a settings record outside the application context ({@code gw config check}, a live reload) the way Boot
 * binds it at startup: Boot's {@link Binder} (relaxed names, enum values such as {@code io-uring}, {@code IO_URING}
 * or {@code io_uring}) and, for a {@link Validated @Validated} record, the same Jakarta constraints, written once on
 * the record. Unlike the startup, which stops at the first record that breaks one, every violation is reported.
 */
public final class SettingsBinding {

    private SettingsBinding() {}

    /**
     * The settings under {@code prefix}, defaults where nothing is set.
     *
     * @throws InvalidSettingsException when a value does not convert, or with every constraint the settings break
     */
    public static <T> T bind(Binder binder, String prefix, Class<T> type) {
        T settings = bindUnchecked(binder, prefix, type);
        List<String> problems = problems(prefix, settings);
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
        return settings;
    }

    /**
     * The settings under {@code prefix} without their constraints checked: for the checks across settings that
     * {@code config check} still runs after reporting the violations.
     *
     * @throws InvalidSettingsException when a value does not convert
     */
    public static <T> T bindUnchecked(Binder binder, String prefix, Class<T> type) {
        try {
            return binder.bindOrCreate(prefix, type);
        } catch (BindException ex) {
            throw new InvalidSettingsException(List.of(problem(ex)));
        }
    }

    /**
     * Every constraint that bound settings break, as {@code property: reason} with the property as it is written
     * ({@code dualcore.auth.oidc.issuers[0].userinfo.circuit-breaker.open-for}), sorted; none for a record that is not
     * {@link Validated @Validated}.
     */
    public static List<String> problems(String prefix, Object settings) {
        if (!AnnotatedElementUtils.hasAnnotation(settings.getClass(), Validated.class)) {
            return List.of();
        }
        return Validators.JAKARTA.validate(settings).stream()
                .map(violation -> property(prefix, violation) + ": " + violation.getMessage())
                .sorted()
                .toList();
    }

    private static String property(String prefix, ConstraintViolation<?> violation) {
        StringBuilder property = new StringBuilder(prefix);
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.isInIterable()) {
                property.append('[')
                        .append((node.getIndex() != null) ? node.getIndex() : node.getKey())
                        .append(']');
            }
            if (node.getKind() == ElementKind.PROPERTY) {
                property.append('.').append(DataObjectPropertyName.toDashedForm(node.getName()));
            }
        }
        return property.toString();
    }

    /** A binding that failed, as {@code property: cannot be bound (reason)}; the reason never for a secret. */
    public static String problem(BindException ex) {
        String property = (ex.getProperty() != null)
                ? ex.getProperty().getName().toString()
                : ex.getName().toString();
        // a conversion failure quotes the value: never for a setting that may hold a secret
        String lower = property.toLowerCase(Locale.ROOT);
        boolean secret = lower.contains("secret") || lower.contains("password") || lower.contains("key");
        return property + ": cannot be bound" + (secret ? "" : " (" + rootMessage(ex) + ")");
    }

    private static String rootMessage(Throwable ex) {
        Throwable cause = ex;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return (cause.getMessage() != null)
                ? cause.getMessage()
                : cause.getClass().getSimpleName();
    }

    /** Built on first use: bootstrapping Hibernate Validator is not free, and most CLI commands never need it. */
    private static final class Validators {

        static final Validator JAKARTA = jakarta();

        private static Validator jakarta() {
            LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
            // Boot's interpolator, as for @Validated settings at startup
            validator.setMessageInterpolator(new MessageInterpolatorFactory().getObject());
            validator.afterPropertiesSet();
            return validator;
        }
    }
}
