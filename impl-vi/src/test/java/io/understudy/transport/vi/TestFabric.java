package io.understudy.transport.vi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fresh fabric directories for tests, on /dev/shm where it exists. */
final class TestFabric {
    private TestFabric() {
    }

    static Path newDirectory(String what) {
        try {
            Path base = ViOptions.defaultDirectory().getParent();
            return Files.createTempDirectory(base, "understudy-vi-test-" + what + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
