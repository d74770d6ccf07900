package io.understudy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the ownership conformance suite on the in-memory fake. */
class InMemoryOwnershipTest extends AbstractOwnershipTest {

    private InMemoryOwnership storage;

    @BeforeEach
    void freshStorage() {
        storage = new InMemoryOwnership(D0, D1);
    }

    @Override
    protected OwnershipService open(NodeId node) {
        return storage.open(node);
    }

    @Test
    void listsItsDisksAndRejectsBadConstruction() {
        assertEquals(List.of(D0, D1), storage.disks());
        assertThrows(IllegalArgumentException.class, () -> new InMemoryOwnership(D0, D0));
        assertThrows(IllegalArgumentException.class, () -> new InMemoryOwnership(0, D0));
        assertThrows(IllegalArgumentException.class, InMemoryOwnership::new);
    }

    @Test
    void aClosedServiceRefusesWork() {
        OwnershipService s = storage.open(NodeId.of("FilerA"));
        s.close();
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> s.state(DiskId.of("d0")));
        assertEquals(ErrorCode.ILLEGAL_STATE, e.code());
    }
}
