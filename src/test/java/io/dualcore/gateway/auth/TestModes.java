package io.dualcore.gateway.auth;

import io.dualcore.gateway.auth.edge.EdgeVerificationMode;
import io.dualcore.gateway.auth.oidc.OidcVerificationMode;
import java.util.List;

/** The gateway's verification modes as the application registers them, for tests. */
public final class TestModes {

    public static final Mode OIDC = OidcVerificationMode.MODE;

    public static final Mode EDGE = EdgeVerificationMode.MODE;

    /** The registry the application builds (oidc, then edge). */
    public static final VerificationModes REGISTRY =
            VerificationModes.of(List.of(new OidcVerificationMode(), new EdgeVerificationMode()));

    private TestModes() {}
}
