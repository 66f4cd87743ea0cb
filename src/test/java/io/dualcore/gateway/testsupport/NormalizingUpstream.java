package io.dualcore.gateway.testsupport;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import tools.jackson.databind.json.JsonMapper;

/**
 * An upstream that interprets paths as common frameworks do, unlike the echo core: embedded Tomcat, which decodes
 * percent-escapes, resolves {@code .} and {@code ..}, merges {@code //}, drops {@code ;} path parameters, and here
 * also decodes {@code %2F} and {@code %5C} and accepts {@code \} (the most permissive settings, as a
 * misconfigured or older server would). It serves by the path <em>it</em> computes: {@code /api/admin/**} answers
 * {@link #ADMIN_RESOURCE}, so a test can tell whether a caller reached the admin resource, whatever path the gateway
 * judged. Every request is recorded with the raw request-URI Tomcat received.
 */
public final class NormalizingUpstream implements AutoCloseable {

    /** The body marker of the protected admin resource. */
    public static final String ADMIN_RESOURCE = "admin-resource";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Tomcat tomcat;

    private final Connector connector;

    private final List<Received> received = new CopyOnWriteArrayList<>();

    private NormalizingUpstream() throws IOException, LifecycleException {
        this.tomcat = new Tomcat();
        this.tomcat.setBaseDir(Files.createTempDirectory("normalizing-upstream").toString());
        this.connector = new Connector();
        this.connector.setPort(0);
        this.connector.setProperty("address", "127.0.0.1");
        this.connector.setEncodedSolidusHandling("decode");
        this.connector.setEncodedReverseSolidusHandling("decode");
        this.connector.setAllowBackslash(true);
        this.connector.setProperty("relaxedPathChars", "[]|{}^\\`\"<>");
        this.connector.setProperty("relaxedQueryChars", "[]|{}^\\`\"<>");
        this.tomcat.setConnector(this.connector);
        Context context = this.tomcat.addContext("", null);
        Tomcat.addServlet(context, "upstream", new Servlet());
        context.addServletMappingDecoded("/*", "upstream");
        this.tomcat.start();
    }

    public static NormalizingUpstream start() {
        try {
            return new NormalizingUpstream();
        } catch (IOException | LifecycleException ex) {
            throw new IllegalStateException("cannot start the normalizing upstream", ex);
        }
    }

    public String uri() {
        return "http://127.0.0.1:" + this.connector.getLocalPort();
    }

    /** Every request served so far, in order. */
    public List<Received> received() {
        return List.copyOf(this.received);
    }

    public void clear() {
        this.received.clear();
    }

    @Override
    public void close() {
        try {
            this.tomcat.stop();
            this.tomcat.destroy();
        } catch (LifecycleException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * One request as the upstream saw it.
     *
     * @param rawUri the request-URI as received, undecoded ({@code getRequestURI()})
     * @param path the path Tomcat serves: decoded and normalized ({@code getServletPath() + getPathInfo()})
     * @param query the raw query string, or {@code null}
     * @param body the request body
     */
    public record Received(String method, String rawUri, String path, String query, String body) {}

    private final class Servlet extends HttpServlet {

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getServletPath() + (request.getPathInfo() != null ? request.getPathInfo() : "");
            String body = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            NormalizingUpstream.this.received.add(
                    new Received(request.getMethod(), request.getRequestURI(), path, request.getQueryString(), body));
            String resource = path.startsWith("/api/admin")
                    ? ADMIN_RESOURCE
                    : path.startsWith("/api/public")
                            ? "public-resource"
                            : path.startsWith("/edge") ? "edge-resource" : "core-resource";
            response.setStatus(200);
            response.setContentType("application/json");
            Map<String, Object> answer = new java.util.LinkedHashMap<>();
            answer.put("resource", resource);
            answer.put("path", path);
            answer.put("rawUri", request.getRequestURI());
            answer.put("query", request.getQueryString());
            answer.put("mode", request.getHeader("X-Auth-Mode"));
            response.getOutputStream().write(JSON.writeValueAsBytes(answer));
        }
    }
}
