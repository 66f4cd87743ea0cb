package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.util.function.Tuple2;
import reactor.util.function.Tuples;

/**
 * TLS at the edge and to the cores, with certificates this test generates ({@code keytool}): the gateway port serves
 * HTTPS and HTTP/2 from a PEM bundle ({@code tls} profile) and picks up replaced PEM files without a restart; a core
 * reached over TLS with a trust bundle ({@code upstream-tls} profile) works, an untrusted one gets a 502 problem.
 */
class EdgeTlsIT {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;

    private static Generated first;

    private static Generated second;

    private static Path certificateFile;

    private static Path keyFile;

    private static HttpsServer trustedCore;

    private static HttpsServer untrustedCore;

    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        first = generate("edge-1");
        second = generate("edge-2");
        Generated coreIdentity = generate("core");
        Generated strangerIdentity = generate("stranger");
        certificateFile = dir.resolve("tls.crt");
        keyFile = dir.resolve("tls.key");
        writePem(first);
        Path coreCa = dir.resolve("core-ca.crt");
        Files.writeString(coreCa, pem(coreIdentity.certificate()));
        trustedCore = core(coreIdentity);
        untrustedCore = core(strangerIdentity);

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spring.profiles.active", "tls,upstream-tls");
        settings.put("TLS_CERTIFICATE", certificateFile.toUri().toString());
        settings.put("TLS_PRIVATE_KEY", keyFile.toUri().toString());
        settings.put("TLS_RELOAD_QUIET_PERIOD", "500ms");
        settings.put("UPSTREAM_CA_CERTIFICATE", coreCa.toUri().toString());
        settings.put(
                "MICROSERVICE_CORE_URI",
                "https://127.0.0.1:" + trustedCore.getAddress().getPort());
        settings.put(
                "EDGE_CORE_URI",
                "https://127.0.0.1:" + untrustedCore.getAddress().getPort());
        gateway = TestGateway.start(settings);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (trustedCore != null) {
            trustedCore.stop(0);
        }
        if (untrustedCore != null) {
            untrustedCore.stop(0);
        }
    }

    @Test
    void gatewayPortWhenTlsProfileThenHttpsAndHttp2WithThePemCertificate() throws Exception {
        Tuple2<Integer, String> response = get("/api/public/ping");
        assertThat(response.getT1()).isEqualTo(200);
        assertThat(response.getT2()).isEqualTo("HTTP/2.0");
        assertThat(servedSerial()).isIn(first.serial(), second.serial());
    }

    @Test
    void pemFilesWhenReplacedThenNewCertificateServedWithoutRestart() throws Exception {
        Generated next = servedSerial().equals(first.serial()) ? second : first;
        writePem(next);
        await("the replaced certificate served")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> servedSerial().equals(next.serial()));
        assertThat(get("/api/public/ping").getT1()).isEqualTo(200);
    }

    @Test
    void coreOverTlsWhenTrustedByBundleThenProxied() {
        assertThat(get("/api/public/ping").getT1()).isEqualTo(200);
    }

    @Test
    void coreOverTlsWhenCertificateUntrustedThenBadGatewayProblemNever500() {
        String token = TestTokens.demoEdge().sign();
        Tuple2<Integer, String> response = getBody("/edge/data", token);
        assertThat(response.getT1()).isEqualTo(502);
        assertThat(response.getT2()).contains("\"code\":\"upstream_tls_failed\"");
    }

    private static Tuple2<Integer, String> get(String path) {
        return client().get()
                .uri("https://127.0.0.1:" + gateway.port() + path)
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(ignored -> Tuples.of(
                                response.status().code(), response.version().text())))
                .block(TestClients.TIMEOUT);
    }

    private static Tuple2<Integer, String> getBody(String path, String token) {
        return client().headers(headers -> headers.set("Authorization", "Bearer " + token))
                .get()
                .uri("https://127.0.0.1:" + gateway.port() + path)
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> Tuples.of(response.status().code(), text)))
                .block(TestClients.TIMEOUT);
    }

    /** Trusts exactly the two edge certificates this test generated; prefers HTTP/2 over ALPN. */
    private static HttpClient client() {
        return TestClients.httpClient()
                .protocol(HttpProtocol.H2, HttpProtocol.HTTP11)
                .secure(spec -> spec.sslContext(Http2SslContextSpec.forClient()
                        .configure(builder -> builder.trustManager(first.certificate(), second.certificate()))));
    }

    /** The serial number of the certificate the gateway port presents right now (a fresh handshake each time). */
    private static BigInteger servedSerial() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new RecordingTrustManager()}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(10));
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static void writePem(Generated identity) throws IOException {
        Path key = dir.resolve("tls.key.tmp");
        Path certificate = dir.resolve("tls.crt.tmp");
        Files.writeString(key, pem(identity.key()));
        Files.writeString(certificate, pem(identity.certificate()));
        Files.move(key, keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(certificate, certificateFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static String pem(X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String pem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** A self-signed EC certificate for localhost and 127.0.0.1, from the JDK's keytool. */
    private static Generated generate(String alias) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(
                        keytool,
                        "-genkeypair",
                        "-alias",
                        alias,
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "SAN=dns:localhost,ip:127.0.0.1",
                        "-validity",
                        "2",
                        "-keystore",
                        store.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        new String(PASSWORD))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD);
        }
        return new Generated(keyStore, (X509Certificate) keyStore.getCertificate(alias), (PrivateKey)
                keyStore.getKey(alias, PASSWORD));
    }

    /** A core over HTTPS (JDK server) presenting {@code identity}. */
    private static HttpsServer core(Generated identity) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(identity.keyStore(), PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", exchange -> {
            byte[] body = "{\"core\":\"tls\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private record Generated(KeyStore keyStore, X509Certificate certificate, PrivateKey key) {

        BigInteger serial() {
            return this.certificate.getSerialNumber();
        }
    }

    /** Accepts any server certificate: only used to read which certificate is presented. */
    private static final class RecordingTrustManager implements X509TrustManager {

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
