package io.dualcore.gateway.auth.edge;

import io.dualcore.gateway.auth.AuthProperties;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The key-file form of edge keys: a directory with one {@code <name>.properties} file per key, as a Kubernetes Secret
 * or a Vault agent delivers them. Each file holds
 *
 * <pre>
 * kid=edge-2026-11
 * algorithm=HS256
 * secret=&lt;base64, at least 32/48/64 bytes for HS256/384/512&gt;
 * not-before=2026-11-28T00:00:00Z   (optional)
 * not-after=2027-02-28T00:00:00Z    (optional)
 * </pre>
 *
 * Files whose names start with a dot (Kubernetes' {@code ..data} and {@code ..2026_...} entries) and files with
 * another extension are ignored; the visible files may be symlinks (they are followed). {@code keys generate} writes
 * exactly this form.
 */
public final class EdgeKeyFiles {

    /** The extension of key files. */
    public static final String EXTENSION = ".properties";

    private static final Set<String> FIELDS = Set.of("kid", "algorithm", "secret", "not-before", "not-after");

    private EdgeKeyFiles() {}

    /**
     * The keys of a directory, read at one moment: each key with the file it came from, a digest of the content, and
     * the first file that could not be parsed (then the keys are incomplete).
     */
    public record Snapshot(
            List<AuthProperties.EdgeKey> keys, List<String> origins, String digest, InvalidEdgeKeyException problem) {

        /** The keys, or the parse problem thrown. */
        public Snapshot valid() {
            if (this.problem != null) {
                throw this.problem;
            }
            return this;
        }
    }

    /**
     * Reads every key file of a directory.
     *
     * @throws InvalidEdgeKeyException when the directory cannot be listed or read; a file that cannot be parsed is
     *     reported in {@link Snapshot#problem()}
     */
    public static Snapshot read(Path directory) {
        TreeMap<String, byte[]> contents = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") || !name.endsWith(EXTENSION) || Files.isDirectory(file)) {
                    continue;
                }
                contents.put(name, Files.readAllBytes(file));
            }
        } catch (IOException | RuntimeException ex) {
            throw new InvalidEdgeKeyException("dualcore.auth.edge.key-directory: " + directory + " cannot be read ("
                    + ex.getClass().getSimpleName() + ")");
        }
        MessageDigest digest = sha256();
        List<AuthProperties.EdgeKey> keys = new ArrayList<>();
        List<String> origins = new ArrayList<>();
        InvalidEdgeKeyException problem = null;
        for (var entry : contents.entrySet()) {
            digest.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(entry.getValue());
            digest.update((byte) 0);
            String origin = "key file " + directory.resolve(entry.getKey());
            try {
                keys.add(parse(new String(entry.getValue(), StandardCharsets.UTF_8), origin));
                origins.add(origin);
            } catch (InvalidEdgeKeyException ex) {
                problem = (problem != null) ? problem : ex;
            }
        }
        return new Snapshot(keys, origins, HexFormat.of().formatHex(digest.digest()), problem);
    }

    /**
     * Parses one key file.
     *
     * @param origin where the text comes from, for messages
     * @throws InvalidEdgeKeyException naming the origin and the problem
     */
    public static AuthProperties.EdgeKey parse(String text, String origin) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException ex) {
            throw new InvalidEdgeKeyException(
                    origin + ": not a properties file (" + ex.getClass().getSimpleName() + ")");
        }
        for (String name : properties.stringPropertyNames()) {
            if (!FIELDS.contains(name)) {
                throw new InvalidEdgeKeyException(origin + ": unknown field '" + name
                        + "'; expected kid, algorithm, secret, not-before, not-after");
            }
        }
        String kid = properties.getProperty("kid");
        if (kid == null || kid.isBlank()) {
            throw new InvalidEdgeKeyException(origin + ": kid is required");
        }
        String secret = properties.getProperty("secret");
        if (secret == null || secret.isBlank()) {
            throw new InvalidEdgeKeyException(origin + " (kid=" + kid.strip() + "): secret is required (base64)");
        }
        return new AuthProperties.EdgeKey(
                kid.strip(),
                properties.getProperty("algorithm", "HS256").strip(),
                secret.strip(),
                null,
                instant(properties, "not-before", origin),
                instant(properties, "not-after", origin));
    }

    /** The file text of a key, in exactly the form {@link #parse} reads. */
    public static String format(
            String kid, String algorithm, String base64Secret, Instant notBefore, Instant notAfter) {
        StringBuilder text = new StringBuilder()
                .append("# Dualcore Gateway edge key: keep this file secret\n")
                .append("kid=")
                .append(kid)
                .append('\n')
                .append("algorithm=")
                .append(algorithm)
                .append('\n')
                .append("secret=")
                .append(base64Secret)
                .append('\n');
        if (notBefore != null) {
            text.append("not-before=").append(notBefore).append('\n');
        }
        if (notAfter != null) {
            text.append("not-after=").append(notAfter).append('\n');
        }
        return text.toString();
    }

    private static Instant instant(Properties properties, String field, String origin) {
        String value = properties.getProperty(field);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.strip());
        } catch (DateTimeParseException ex) {
            throw new InvalidEdgeKeyException(
                    origin + ": " + field + " is not an ISO-8601 instant (for example 2026-11-28T00:00:00Z)");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
        }
    }
}
