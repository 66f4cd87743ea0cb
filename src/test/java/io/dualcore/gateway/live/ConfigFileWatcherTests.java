package io.dualcore.gateway.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher on a directory laid out as kubelet lays out a ConfigMap volume. */
class ConfigFileWatcherTests {

    @TempDir
    Path volume;

    @Test
    void watchWhenDataSymlinkSwappedThenReloadSeesNewContent() throws IOException {
        // kubelet: ..2026_12_07_1/live.yml, ..data -> ..2026_12_07_1, live.yml -> ..data/live.yml
        Path first = this.volume.resolve("..2026_12_07_1");
        Files.createDirectory(first);
        Files.writeString(first.resolve("live.yml"), "version: 1\n");
        Files.createSymbolicLink(this.volume.resolve("..data"), first.getFileName());
        Path live = this.volume.resolve("live.yml");
        Files.createSymbolicLink(live, Path.of("..data/live.yml"));
        AtomicReference<String> seen = new AtomicReference<>();
        Runnable reload = () -> {
            try {
                seen.set(Files.readString(live));
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        };
        try (ConfigFileWatcher watcher =
                new ConfigFileWatcher(List.of(this.volume), reload, Duration.ofMillis(50), Duration.ofHours(1))) {
            watcher.start();
            // kubelet's swap: a new timestamped directory, a temporary link, renamed over ..data in one step
            Path second = this.volume.resolve("..2026_12_07_2");
            Files.createDirectory(second);
            Files.writeString(second.resolve("live.yml"), "version: 2\n");
            Path temporary = this.volume.resolve("..data_tmp");
            Files.createSymbolicLink(temporary, second.getFileName());
            Files.move(temporary, this.volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(seen.get()).isEqualTo("version: 2\n"));
        }
    }

    @Test
    void watchWhenNoEventThenRescanStillReloads() throws IOException {
        AtomicReference<Integer> reloads = new AtomicReference<>(0);
        try (ConfigFileWatcher watcher = new ConfigFileWatcher(
                List.of(), () -> reloads.updateAndGet(n -> n + 1), Duration.ZERO, Duration.ofMillis(20))) {
            watcher.start();

            await().atMost(Duration.ofSeconds(30)).until(() -> reloads.get() >= 2);
        }
    }
}
