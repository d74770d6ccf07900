package io.understudy.ownership.file;

import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.spi.ProviderContext;
import io.understudy.testkit.AbstractOwnershipTest;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The ownership conformance suite on disk files: every node opens the provider over one temporary directory. */
class FileOwnershipConformanceTest extends AbstractOwnershipTest {

    @TempDir
    Path dir;

    @BeforeEach
    void disks() {
        FileDisks.create(dir, D0, 64 * 1024);
        FileDisks.create(dir, D1, 64 * 1024);
    }

    @Override
    protected OwnershipService open(NodeId node) {
        return new FileOwnershipProvider().open(ProviderContext.builder()
                .nodeName(node.name())
                .option(FileOwnershipProvider.DIRECTORY, dir.toString())
                .option(FileOwnershipProvider.LABEL, node.label())
                .build());
    }
}
