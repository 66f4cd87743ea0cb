package io.dualcore.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.security.Provider;
import java.security.Security;

/**
 * The house's layering (README, "Packages"): dependencies flow one way, from {@code config} (which only wires) down
 * to {@code web} (the shared error vocabulary and filter orders), with telemetry observing the pipeline through the
 * observer interfaces the pipeline defines.
 */
@AnalyzeClasses(packages = "io.dualcore.gateway", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    private static final String ROOT = "io.dualcore.gateway.";

    @ArchTest
    static final ArchRule layers = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("config")
            .definedBy(ROOT + "config..")
            .layer("telemetry")
            .definedBy(ROOT + "telemetry..")
            .layer("doors")
            .definedBy(ROOT + "forwardauth..", ROOT + "proxy..", ROOT + "extauthz..", ROOT + "explain..")
            .layer("live")
            .definedBy(ROOT + "live..")
            .layer("decision")
            .definedBy(ROOT + "decision..")
            .layer("pipeline")
            .definedBy(ROOT + "pipeline..")
            .layer("capabilities")
            .definedBy(ROOT + "auth..", ROOT + "route..", ROOT + "policy..", ROOT + "ratelimit..", ROOT + "identity..")
            .layer("support")
            .definedBy(ROOT + "support..")
            .layer("web")
            .definedBy(ROOT + "web..")
            .layer("demo")
            .definedBy(ROOT + "demo..")
            .whereLayer("config")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("telemetry")
            .mayOnlyBeAccessedByLayers("config")
            .whereLayer("doors")
            .mayOnlyBeAccessedByLayers("config")
            .whereLayer("live")
            .mayOnlyBeAccessedByLayers("config", "telemetry")
            .whereLayer("decision")
            .mayOnlyBeAccessedByLayers("config", "doors")
            .whereLayer("pipeline")
            .mayOnlyBeAccessedByLayers("config", "telemetry", "decision", "live")
            .whereLayer("capabilities")
            .mayOnlyBeAccessedByLayers("config", "telemetry", "pipeline", "decision", "live")
            .whereLayer("support")
            .mayOnlyBeAccessedByLayers("config", "capabilities", "live")
            .whereLayer("demo")
            .mayNotBeAccessedByAnyLayer();

    @ArchTest
    static final ArchRule noCycles = slices().matching(ROOT + "(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule configOnlyWires = noClasses()
            .that()
            .resideOutsideOfPackage(ROOT + "config..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROOT + "config..");

    @ArchTest
    static final ArchRule webDependsOnNoCapability = noClasses()
            .that()
            .resideInAPackage(ROOT + "web..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    ROOT + "auth..",
                    ROOT + "route..",
                    ROOT + "policy..",
                    ROOT + "ratelimit..",
                    ROOT + "identity..",
                    ROOT + "pipeline..",
                    ROOT + "telemetry..",
                    ROOT + "support..",
                    ROOT + "demo..",
                    ROOT + "config..");

    /**
     * A front door (the proxy's filters, forward-auth, ext_authz, explain) asks the decision engine; it never reaches
     * past it into the steps.
     */
    @ArchTest
    static final ArchRule doorsUseOnlyTheEngine = noClasses()
            .that()
            .resideInAnyPackage(ROOT + "forwardauth..", ROOT + "proxy..", ROOT + "extauthz..", ROOT + "explain..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    ROOT + "auth..",
                    ROOT + "route..",
                    ROOT + "policy..",
                    ROOT + "ratelimit..",
                    ROOT + "identity..",
                    ROOT + "pipeline..",
                    ROOT + "telemetry..",
                    ROOT + "support..");

    /** The engine and its steps know no door: doors are added without touching the decision. */
    @ArchTest
    static final ArchRule engineKnowsNoDoor = noClasses()
            .that()
            .resideInAnyPackage(
                    ROOT + "decision..",
                    ROOT + "auth..",
                    ROOT + "route..",
                    ROOT + "policy..",
                    ROOT + "ratelimit..",
                    ROOT + "identity..",
                    ROOT + "pipeline..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(ROOT + "forwardauth..", ROOT + "proxy..", ROOT + "extauthz..", ROOT + "explain..");

    @ArchTest
    static final ArchRule pipelineNeverImportsTelemetry = noClasses()
            .that()
            .resideOutsideOfPackages(ROOT + "telemetry..", ROOT + "config..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROOT + "telemetry..");

    /**
     * A verification mode is a plug-in (issue 26): the engine, the pipeline and the capabilities that use modes
     * (policies, predicates, rate limits, identity headers) know a mode only through {@code auth.Mode} and the
     * {@code auth.VerificationModes} registry, never a mode's own package; {@code config} registers the modes.
     * Telemetry too: a mode's health ({@code auth.ModeHealth}) and its own meters live in the mode's package.
     */
    @ArchTest
    static final ArchRule modesArePlugIns = noClasses()
            .that()
            .resideInAnyPackage(
                    ROOT + "decision..",
                    ROOT + "pipeline..",
                    ROOT + "policy..",
                    ROOT + "route..",
                    ROOT + "ratelimit..",
                    ROOT + "identity..",
                    ROOT + "forwardauth..",
                    ROOT + "proxy..",
                    ROOT + "extauthz..",
                    ROOT + "explain..",
                    ROOT + "telemetry..",
                    ROOT + "web..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(ROOT + "auth.oidc..", ROOT + "auth.edge..");

    /**
     * Revocation is a check plugged into the verification chain ({@code auth.IdentityCheck}): the chain, the modes
     * and their WebFlux adapters never know it, and its pure logic knows nothing of WebFlux.
     */
    @ArchTest
    static final ArchRule authKnowsNoRevocation = noClasses()
            .that()
            .resideInAPackage(ROOT + "auth..")
            .and()
            .resideOutsideOfPackage(ROOT + "auth.revocation..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROOT + "auth.revocation..");

    @ArchTest
    static final ArchRule revocationLogicKnowsNoWebFlux = noClasses()
            .that()
            .resideInAPackage(ROOT + "auth.revocation")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.springframework.web..", "org.springframework.http..", ROOT + "auth.web..");

    /**
     * The native JCA provider verifies JWS signatures only, given to each verifier ({@code auth.crypto}): never installed
     * for the whole JVM, where TLS, HMAC and key generation would pick it up too.
     */
    @ArchTest
    static final ArchRule noProviderInstalledGlobally = noClasses()
            .should()
            .callMethod(Security.class, "insertProviderAt", Provider.class, int.class)
            .orShould()
            .callMethod(Security.class, "addProvider", Provider.class);

    /** Only {@code auth.crypto} knows Amazon Corretto Crypto Provider; verifiers get a {@code SignatureProvider}. */
    @ArchTest
    static final ArchRule onlyCryptoKnowsAccp = noClasses()
            .that()
            .resideOutsideOfPackage(ROOT + "auth.crypto..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("com.amazon.corretto.crypto..");
}
