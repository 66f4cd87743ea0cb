package io.dualcore.gateway.web;

/**
 * A request path the gateway refuses (400 {@code invalid_path}), with the stable reason. Carries no stack trace and
 * never the path itself: hostile paths are cheap to refuse and never copied into logs through an exception.
 */
public final class RejectedPathException extends RuntimeException {

    private final Reason reason;

    RejectedPathException(Reason reason) {
        super(reason.description(), null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return this.reason;
    }

    /** Why a path was refused; the description is the problem response's {@code detail}. */
    public enum Reason {
        NOT_ABSOLUTE("the path must start with '/'"),
        ABOVE_ROOT("a '..' segment climbs above the root"),
        ESCAPED_SLASH("the path contains an escaped slash or backslash (%2F, %5C)"),
        BACKSLASH("the path contains a backslash"),
        PATH_PARAMETER("the path contains a path parameter (';')"),
        NUL("the path contains a NUL character"),
        CONTROL_CHARACTER("the path contains a control character"),
        INVALID_CHARACTER("the path contains a character that must be percent-encoded"),
        INVALID_ESCAPE("the path contains a malformed percent-escape"),
        INVALID_UTF8("the path contains invalid or overlong UTF-8"),
        DOUBLE_ENCODING("the path contains a double-encoded character (%25)"),
        DOT_SEGMENT("the path contains a '.' or '..' segment and normalize-path is off");

        private final String description;

        Reason(String description) {
            this.description = description;
        }

        public String description() {
            return this.description;
        }
    }
}
