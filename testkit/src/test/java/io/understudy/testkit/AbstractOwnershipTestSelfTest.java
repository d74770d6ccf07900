package io.understudy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.ownership.OwnershipState;
import io.understudy.api.ownership.ReleaseResult;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The ownership suite passes the in-memory fake and catches each deliberately broken variant of it (each a
 * thin wrapper that bends one rule): a suite that cannot fail would prove nothing about the plugins that
 * pass it.
 */
class AbstractOwnershipTestSelfTest {

    @Test
    void aCorrectServicePassesEverything() {
        TestExecutionSummary s = run(Correct.class);
        assertEquals(0, s.getTotalFailureCount(), () -> failedTests(s).toString());
        long tests = Arrays.stream(AbstractOwnershipTest.class.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Test.class)).count();
        assertTrue(tests >= 20, "the suite has its tests: " + tests);
        assertEquals(tests, s.getTestsSucceededCount(), "every test ran and passed");
    }

    @Test
    void eachFlawIsCaught() {
        assertCaught(SameEpochOnReclaim.class, "reclaimByOwnerIsAcquiredWithHigherEpoch", "epochsStrictlyIncreaseAcrossALongSequence");
        assertCaught(WritesIgnoreFencing.class, "preemptTakesTheDiskAndFencesTheOldOwner", "writesRacingAPreemptLandBeforeItOrFail",
                "closingDoesNotChangeOwnership", "aRestartedNodeIsNotFencedAndMayPreemptBack");
        assertCaught(WritesWithoutRegistration.class, "aNodeWithoutRegistrationCannotWrite", "afterReleaseTheFencedNodeCanClaimAgain");
        assertCaught(ReleaseByAnyone.class, "releaseByANonOwnerIsNotOwnerAndChangesNothing", "preemptTakesTheDiskAndFencesTheOldOwner");
        assertCaught(ClaimSteals.class, "claimOfAnotherNodesDiskIsHeldByAndChangesNothing", "disksAreOwnedIndependently",
                "aRestartedNodeIsNotFencedAndMayPreemptBack");
        assertCaught(LyingPreempt.class, "mutualPreemptHasExactlyOneWinner", "preemptTakesTheDiskAndFencesTheOldOwner");
        assertCaught(ForgetsEpochOnRelease.class, "releaseByOwnerLeavesUnownedAndKeepsTheEpoch", "epochsStrictlyIncreaseAcrossALongSequence");
        assertCaught(StaysFenced.class, "afterReleaseTheFencedNodeCanClaimAgain");
        assertCaught(NoBoundsCheck.class, "writesOutsideTheDataAreaFailWithDiskIo");
        assertCaught(UnknownDisksLookUnowned.class, "unknownDisksFailWithUnknownDisk");
        assertCaught(HandlesDieWithTheService.class, "closingDoesNotChangeOwnership");
    }

    private static void assertCaught(Class<?> suite, String... tests) {
        TestExecutionSummary s = run(suite);
        Set<String> failed = failedTests(s);
        for (String t : tests) {
            assertTrue(failed.contains(t), () -> suite.getSimpleName() + " should fail " + t + "; failed: " + failed);
        }
    }

    private static TestExecutionSummary run(Class<?> suite) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(suite)).build(), listener);
        return listener.getSummary();
    }

    private static Set<String> failedTests(TestExecutionSummary s) {
        Set<String> names = new TreeSet<>();
        s.getFailures().forEach(f -> names.add(f.getTestIdentifier().getDisplayName().replace("()", "")));
        return names;
    }

    // ---- the fakes --------------------------------------------------------------------------------------

    /** The suite over an in-memory storage, each service wrapped to bend one rule. */
    abstract static class Fake extends AbstractOwnershipTest {
        InMemoryOwnership storage;

        @BeforeEach
        void freshStorage() {
            storage = new InMemoryOwnership(D0, D1);
        }

        abstract OwnershipService wrap(OwnershipService s);

        @Override
        protected OwnershipService open(NodeId node) {
            return wrap(storage.open(node));
        }

        @Override
        protected int raceRounds() {
            return 10;
        }
    }

    /** Forwards everything; flaws override one method. */
    static class Forwarding implements OwnershipService {
        final OwnershipService d;

        Forwarding(OwnershipService d) {
            this.d = d;
        }

        @Override
        public NodeId self() {
            return d.self();
        }

        @Override
        public List<DiskId> disks() {
            return d.disks();
        }

        @Override
        public OwnershipState state(DiskId disk) {
            return d.state(disk);
        }

        @Override
        public ClaimResult claim(DiskId disk) {
            return d.claim(disk);
        }

        @Override
        public ClaimResult preempt(DiskId disk, NodeId failedOwner) {
            return d.preempt(disk, failedOwner);
        }

        @Override
        public ReleaseResult release(DiskId disk) {
            return d.release(disk);
        }

        @Override
        public boolean isFenced(DiskId disk) {
            return d.isFenced(disk);
        }

        @Override
        public DiskIo open(DiskId disk) {
            return d.open(disk);
        }

        @Override
        public void close() {
            d.close();
        }
    }

    /** A handle that swallows one error code on writes and forces, as a broken data path would. */
    record Swallowing(DiskIo d, ErrorCode swallowed) implements DiskIo {
        @Override
        public DiskId disk() {
            return d.disk();
        }

        @Override
        public long size() {
            return d.size();
        }

        @Override
        public void write(long position, ByteBuffer src) {
            try {
                d.write(position, src);
            } catch (UnderstudyException e) {
                if (e.code() != swallowed) {
                    throw e;
                }
                src.position(src.limit());
            }
        }

        @Override
        public int read(long position, ByteBuffer dst) {
            return d.read(position, dst);
        }

        @Override
        public void force() {
            try {
                d.force();
            } catch (UnderstudyException e) {
                if (e.code() != swallowed) {
                    throw e;
                }
            }
        }

        @Override
        public void close() {
            d.close();
        }
    }

    static final class Correct extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return s;
        }
    }

    static final class SameEpochOnReclaim extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public ClaimResult claim(DiskId disk) {
                    OwnershipState st = d.state(disk);
                    return st.ownedBy(d.self()) ? new ClaimResult.Acquired(disk, st.epoch()) : d.claim(disk);
                }
            };
        }
    }

    static final class WritesIgnoreFencing extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public DiskIo open(DiskId disk) {
                    return new Swallowing(d.open(disk), ErrorCode.FENCED);
                }
            };
        }
    }

    static final class WritesWithoutRegistration extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public DiskIo open(DiskId disk) {
                    return new Swallowing(d.open(disk), ErrorCode.OWNED_ELSEWHERE);
                }
            };
        }
    }

    static final class ReleaseByAnyone extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public ReleaseResult release(DiskId disk) {
                    ReleaseResult r = d.release(disk);
                    return r instanceof ReleaseResult.NotOwner ? new ReleaseResult.Released(disk) : r;
                }
            };
        }
    }

    static final class ClaimSteals extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public ClaimResult claim(DiskId disk) {
                    ClaimResult r = d.claim(disk);
                    return r instanceof ClaimResult.HeldBy h ? d.preempt(disk, h.holder()) : r;
                }
            };
        }
    }

    static final class LyingPreempt extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public ClaimResult preempt(DiskId disk, NodeId failedOwner) {
                    ClaimResult r = d.preempt(disk, failedOwner);
                    return r instanceof ClaimResult.Fenced f ? new ClaimResult.Acquired(disk, f.epoch() + 1) : r;
                }
            };
        }
    }

    static final class ForgetsEpochOnRelease extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public OwnershipState state(DiskId disk) {
                    OwnershipState st = d.state(disk);
                    return st.unowned() ? new OwnershipState(disk, Optional.empty(), Optional.empty(), 0) : st;
                }
            };
        }
    }

    static final class StaysFenced extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            Map<DiskId, ClaimResult.Fenced> once = new HashMap<>();
            return new Forwarding(s) {
                @Override
                public synchronized ClaimResult claim(DiskId disk) {
                    ClaimResult r = d.claim(disk);
                    if (r instanceof ClaimResult.Fenced f) {
                        once.put(disk, f);
                    }
                    return once.containsKey(disk) ? once.get(disk) : r;
                }

                @Override
                public synchronized boolean isFenced(DiskId disk) {
                    if (d.isFenced(disk)) {
                        OwnershipState st = d.state(disk);
                        once.put(disk, new ClaimResult.Fenced(disk, st.reservation().orElse(d.self()), st.epoch()));
                    }
                    return once.containsKey(disk);
                }
            };
        }
    }

    static final class NoBoundsCheck extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public DiskIo open(DiskId disk) {
                    return new Swallowing(d.open(disk), ErrorCode.DISK_IO);
                }
            };
        }
    }

    static final class UnknownDisksLookUnowned extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            return new Forwarding(s) {
                @Override
                public OwnershipState state(DiskId disk) {
                    return d.disks().contains(disk) ? d.state(disk) : new OwnershipState(disk, Optional.empty(), Optional.empty(), 0);
                }
            };
        }
    }

    static final class HandlesDieWithTheService extends Fake {
        @Override
        OwnershipService wrap(OwnershipService s) {
            List<DiskIo> handles = new ArrayList<>();
            return new Forwarding(s) {
                @Override
                public synchronized DiskIo open(DiskId disk) {
                    DiskIo io = d.open(disk);
                    handles.add(io);
                    return io;
                }

                @Override
                public synchronized void close() {
                    handles.forEach(DiskIo::close);
                    d.close();
                }
            };
        }
    }
}
