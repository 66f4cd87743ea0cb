package io.dualcore.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.dualcore.gateway.auth.TestTokens;
import io.dualcore.gateway.testsupport.TestClients;
import io.dualcore.gateway.testsupport.TestGateway;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
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
import javax.net.ssl.SSLParameters;
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
        // connection limits on the TLS listener (web.ConnectionLimitsIT has the plain port's): a short header
        // timeout, and a rapid-reset limit far below Netty's default of 200, so the test sees this setting at work
        settings.put("dualcore.connections.header-read-timeout", "3s");
        settings.put("dualcore.connections.http2-max-resets-per-window", "20");
        settings.put("dualcore.connections.http2-max-concurrent-streams", "50");
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

    @Test
    void http11OverTlsWhenHeadNotCompleteInTimeThen408ProblemAndClosed() throws Exception {
        try (SSLSocket socket = tlsSocket("http/1.1")) {
            socket.getOutputStream()
                    .write("GET /api/public/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("\"code\":\"request_timeout\"");
        }
        assertThat(get("/api/public/ping").getT1()).isEqualTo(200);
    }

    @Test
    void http2WhenConnectedThenMaxConcurrentStreamsAdvertised() throws Exception {
        try (SSLSocket socket = tlsSocket("h2")) {
            OutputStream out = socket.getOutputStream();
            out.write(HTTP2_PREFACE);
            out.write(frame(0x4, 0, 0, new byte[0]));
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            Frame settings = Frame.read(in);
            assertThat(settings.type()).as("the server's first frame").isEqualTo(0x4);
            Map<Integer, Long> values = new LinkedHashMap<>();
            ByteBuffer payload = ByteBuffer.wrap(settings.payload());
            while (payload.remaining() >= 6) {
                values.put(payload.getShort() & 0xffff, payload.getInt() & 0xffffffffL);
            }
            assertThat(values).containsEntry(0x3, 50L);
        }
    }

    @Test
    void http2WhenActiveLongerThanHeaderTimeoutThenConnectionKept() throws Exception {
        try (SSLSocket socket = tlsSocket("h2")) {
            OutputStream out = socket.getOutputStream();
            out.write(HTTP2_PREFACE);
            out.write(frame(0x4, 0, 0, new byte[0]));
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            // a PING every 500 ms for twice the 3 s header timeout: an HTTP/2 connection has no request head to time
            int acks = 0;
            for (int ping = 0; ping < 12; ping++) {
                out.write(frame(0x6, 0, 0, new byte[8]));
                out.flush();
                Frame frame = Frame.read(in);
                while (frame != null && !(frame.type() == 0x6 || frame.type() == 0x7)) {
                    frame = Frame.read(in);
                }
                assertThat(frame).as("an answer to ping " + ping).isNotNull();
                assertThat(frame.type()).as("PING ACK, not GOAWAY").isEqualTo(0x6);
                acks++;
                Thread.sleep(500);
            }
            assertThat(acks).isEqualTo(12);
        }
    }

    @Test
    void http2WhenStreamsOpenedAndResetRapidlyThenGoAwayEnhanceYourCalmAndClosed() throws Exception {
        try (SSLSocket socket = tlsSocket("h2")) {
            OutputStream out = socket.getOutputStream();
            out.write(HTTP2_PREFACE);
            out.write(frame(0x4, 0, 0, new byte[0]));
            // HEADERS (GET https /, HPACK static table entries 2, 7, 4) then RST_STREAM CANCEL, 30 times:
            // CVE-2023-44487
            ByteBuffer cancel = ByteBuffer.allocate(4).putInt(0x8);
            for (int stream = 1; stream <= 59; stream += 2) {
                out.write(frame(0x1, 0x5, stream, new byte[] {(byte) 0x82, (byte) 0x87, (byte) 0x84}));
                out.write(frame(0x3, 0, stream, cancel.array()));
            }
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            Frame goAway = null;
            for (Frame frame = Frame.read(in); frame != null; frame = Frame.read(in)) {
                if (frame.type() == 0x7) {
                    goAway = frame;
                }
            }
            assertThat(goAway).as("GOAWAY before the connection closed").isNotNull();
            // last-stream-id (4 bytes), then the error code: ENHANCE_YOUR_CALM (0xb)
            assertThat(ByteBuffer.wrap(goAway.payload()).getInt(4)).isEqualTo(0xb);
        }
        assertThat(get("/api/public/ping").getT1()).isEqualTo(200);
    }

    private static final byte[] HTTP2_PREFACE =
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        return ByteBuffer.allocate(9 + payload.length)
                .put((byte) (payload.length >>> 16))
                .put((byte) (payload.length >>> 8))
                .put((byte) payload.length)
                .put((byte) type)
                .put((byte) flags)
                .putInt(stream)
                .put(payload)
                .array();
    }

    /** One HTTP/2 frame as read from the server, or {@code null} at the end of the stream. */
    private record Frame(int type, byte[] payload) {

        static Frame read(DataInputStream in) throws IOException {
            byte[] header = new byte[9];
            try {
                in.readFully(header);
            } catch (EOFException | SocketException closed) {
                return null;
            }
            int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(header[3] & 0xff, payload);
        }
    }

    /** A TLS connection to the gateway port offering one ALPN protocol; reads time out after the shared timeout. */
    private static SSLSocket tlsSocket(String protocol) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new RecordingTrustManager()}, null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gateway.port());
        socket.setSoTimeout((int) TestClients.TIMEOUT.toMillis());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {protocol});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        assertThat(socket.getApplicationProtocol()).isEqualTo(protocol);
        return socket;
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
