# Dualcore Gateway image: Spring Boot's extracted jar on a JRE with a class data sharing (CDS) archive, run as a
# non-root user. The image of deploy/kubernetes (KubernetesManifestsTests checks them against each other);
# docker-compose.yml runs the packaged jar itself.
#
#   ./mvnw -B -DskipTests package
#   docker build -t dualcore-gateway:0.1.0 .

FROM eclipse-temurin:17-jre AS layers
WORKDIR /build
COPY target/dualcore-gateway.jar application.jar
RUN java -Djarmode=tools -jar application.jar extract --layers --destination extracted

FROM eclipse-temurin:17-jre
# a fixed numeric id, so that Kubernetes' runAsNonRoot can verify it without a passwd lookup
RUN groupadd --system --gid 10001 dualcore \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin dualcore
WORKDIR /app
# least often changing layers first, so that a code change ships only the application layer
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
# defaults; Kubernetes mounts its ConfigMap over /app/config
COPY config/ ./config/
# CDS training run (Spring Boot's recipe): start the application context once, exit after refresh, and archive the
# classes it loaded. Start to ready on one core: about 11 s instead of 19 s for the packaged jar (README "Startup").
# The archive only serves this JVM and this class path; a JVM that cannot use it starts without it.
# The training run verifies with the JDK's provider: Amazon Corretto Crypto Provider's jar is signed, CDS leaves its
# classes out, and JDK 17's dynamic archive dump then crashes (SIGSEGV in adjust_lambda_proxy_class_dictionary) on
# the lambdas its self-tests ran. The image itself runs the shipped default (auto: ACCP, loaded from its jar, not
# from the archive). ImageTrainingRunIT runs this line.
RUN DUALCORE_CRYPTO_PROVIDER=jdk java -XX:ArchiveClassesAtExit=application.jsa -Xlog:cds=off -Dspring.context.exit=onRefresh -jar application.jar
USER 10001:10001
# 8080: gateway, 8081: management (health, info, prometheus)
EXPOSE 8080 8081
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "-XX:SharedArchiveFile=application.jsa", "-jar", "application.jar"]
