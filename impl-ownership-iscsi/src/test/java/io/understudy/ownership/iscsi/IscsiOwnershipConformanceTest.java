package io.understudy.ownership.iscsi;

import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.spi.ProviderContext;
import io.understudy.testkit.AbstractOwnershipTest;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ownership conformance suite against a real target: every test gets a fresh tgtd target whose LUNs 1
 * and 2 are disks d0 and d1 (file-backed, 1 MiB), and every node opens the provider over both.
 */
class IscsiOwnershipConformanceTest extends AbstractOwnershipTest {

    @TempDir
    Path dir;
    private Tgtd.Target target;

    @BeforeEach
    void target() {
        target = Tgtd.get().newTarget(dir, 2, 1 << 20);
    }

    @AfterEach
    void removeTarget() {
        closeServices();
        if (target != null) {
            target.close();
        }
    }

    @Override
    protected OwnershipService open(NodeId node) {
        return new IscsiOwnershipProvider().open(ProviderContext.builder()
                .nodeName(node.name())
                .option(IscsiOwnershipProvider.DISKS, target.disks())
                .option(IscsiOwnershipProvider.LABEL, node.label())
                .build());
    }
}
