package io.dualcore.gateway.auth.edge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A key directory laid out as Kubernetes mounts a Secret: the data in a timestamped hidden directory, {@code ..data}
 * a symlink to it, and each visible file a symlink through {@code ..data}. {@link #update} replaces the whole content
 * the way the kubelet does: a new hidden directory, then an atomic rename of a new {@code ..data} link over the old.
 */
public final class EdgeKeyDirectory {

    private final Path root;

    private final AtomicInteger generation = new AtomicInteger();

    public EdgeKeyDirectory(Path root) {
        this.root = root;
    }

    public Path root() {
        return this.root;
    }

    /** Replaces the Secret's content: file name to file text. */
    public void update(Map<String, String> files) {
        try {
            Path data = this.root.resolve("..2026_11_28_" + this.generation.incrementAndGet());
            Files.createDirectory(data);
            for (Map.Entry<String, String> file : files.entrySet()) {
                Files.writeString(data.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
            }
            Path link = this.root.resolve("..data");
            Path previous = Files.isSymbolicLink(link) ? this.root.resolve(Files.readSymbolicLink(link)) : null;
            Path temporary = this.root.resolve("..data_tmp");
            Files.createSymbolicLink(temporary, data.getFileName());
            Files.move(temporary, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String name : files.keySet()) {
                Path visible = this.root.resolve(name);
                if (!Files.exists(visible, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(visible, Path.of("..data", name));
                }
            }
            // visible links whose target is gone are removed, as the kubelet does
            try (var entries = Files.list(this.root)) {
                for (Path entry : entries.toList()) {
                    String name = entry.getFileName().toString();
                    if (!name.startsWith(".") && !files.containsKey(name)) {
                        Files.delete(entry);
                    }
                }
            }
            if (previous != null) {
                try (var old = Files.list(previous)) {
                    for (Path file : old.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(previous);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A key file's text. */
    public static String keyFile(String kid, String algorithm, byte[] secret) {
        return EdgeKeyFiles.format(kid, algorithm, Base64.getEncoder().encodeToString(secret), null, null);
    }
}
