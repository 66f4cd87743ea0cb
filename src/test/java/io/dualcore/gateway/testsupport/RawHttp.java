package io.dualcore.gateway.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Sends bytes exactly as given over a plain socket and reads until the server closes the connection, for request
 * lines and header sets no HTTP client library would produce (hostile paths as-is, absolute-form targets, several
 * {@code Host} headers, {@code Content-Length} with {@code Transfer-Encoding}). Reads wait at most
 * {@link TestClients#TIMEOUT}: callers end their last request with {@code Connection: close}.
 */
public final class RawHttp {

    private RawHttp() {}

    /** Sends the request text (ISO-8859-1, so every char is one byte) and returns everything the server answered. */
    public static String exchange(int port, String request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) TestClients.TIMEOUT.toMillis());
            socket.setSoTimeout((int) TestClients.TIMEOUT.toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    answer.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException ex) {
                throw new AssertionError("the server did not close the connection within " + TestClients.TIMEOUT
                        + "; answered so far: " + answer.toString(StandardCharsets.ISO_8859_1));
            } catch (java.net.SocketException reset) {
                // a server that refuses a request may reset the connection: what was read is the answer
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A GET with {@code Connection: close} and optional extra header lines ({@code "Name: value"}). */
    public static String get(int port, String target, String... headerLines) {
        StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
        request.append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        return exchange(port, request.append("Connection: close\r\n\r\n").toString());
    }

    /** The status code of the first response in an answer, or -1 when there is none. */
    public static int status(String answer) {
        if (!answer.startsWith("HTTP/1.1 ") || answer.length() < 12) {
            return -1;
        }
        return Integer.parseInt(answer.substring(9, 12));
    }

    /** The body of the first response (what follows the first blank line). */
    public static String body(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        return (end < 0) ? "" : answer.substring(end + 4);
    }

    /** The header block of the first response, lower-cased names kept as sent. */
    public static String headers(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        return (end < 0) ? answer : answer.substring(0, end);
    }
}
