# Dualcore Gateway image: Spring Boot layered jar on a JRE, run as a non-root user.
# Shared by docker-compose.yml and deploy/kubernetes (KubernetesManifestsTests checks them against each other).
#
#   ./mvnw -B -DskipTests package
#   docker build -t dualcore-gateway:0.1.0 .
#
# The same image runs the demo cores (see docker-compose.yml): PropertiesLauncher with -Dloader.main.

FROM eclipse-temurin:17-jre AS layers
WORKDIR /build
COPY target/dualcore-gateway.jar application.jar
RUN java -Djarmode=tools -jar application.jar extract --layers --launcher --destination extracted

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
# defaults; Kubernetes mounts its ConfigMap over /app/config, compose mounts ./config
COPY config/ ./config/
USER 10001:10001
# 8080: gateway, 8081: management (health, info, prometheus)
EXPOSE 8080 8081
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
