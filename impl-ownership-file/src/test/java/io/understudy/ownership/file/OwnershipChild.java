package io.understudy.ownership.file;

import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipRegistry;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.ownership.OwnershipState;
import io.understudy.api.ownership.ReleaseResult;
import io.understudy.api.spi.ProviderContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The second process of {@link TwoProcessRaceTest}: one node over the shared directory, driven by commands
 * on stdin, one answer line each on stdout. The provider is found through {@link OwnershipRegistry} on the
 * class path, so this also proves {@code META-INF/services} discovery.
 *
 * <pre>
 * claim | preempt NAME | go-preempt NAME | release | write TEXT | read N | state | fenced | quit
 * </pre>
 * {@code go-preempt} first answers {@code go}, then preempts and answers the result, so the parent can start
 * its own preempt right behind this one.
 */
public final class OwnershipChild {

    private OwnershipChild() {
    }

    /**
     * Runs the child.
     *
     * @param args the shared directory and this node's name
     * @throws Exception on any unexpected failure, which ends the child with a stack trace on stderr
     */
    public static void main(String[] args) throws Exception {
        DiskId d0 = DiskId.of("d0");
        try (OwnershipService s = OwnershipRegistry.getDefault().select("file").open(ProviderContext.builder()
                .nodeName(args[1]).setting("file.directory", args[0]).build());
             DiskIo io = s.open(d0);
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            System.out.println("ready " + s.self().name());
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] w = line.split(" ", 2);
                String answer;
                try {
                    answer = switch (w[0]) {
                        case "claim" -> result(s.claim(d0));
                        case "preempt" -> result(s.preempt(d0, NodeId.of(w[1])));
                        case "go-preempt" -> {
                            System.out.println("go");
                            yield result(s.preempt(d0, NodeId.of(w[1])));
                        }
                        case "release" -> switch (s.release(d0)) {
                            case ReleaseResult.Released r -> "Released";
                            case ReleaseResult.NotOwner n -> "NotOwner " + n.holder().map(NodeId::name).orElse("-");
                        };
                        case "write" -> {
                            io.write(0, ByteBuffer.wrap(w[1].getBytes(StandardCharsets.UTF_8)));
                            io.force();
                            yield "ok";
                        }
                        case "read" -> {
                            ByteBuffer b = ByteBuffer.allocate(Integer.parseInt(w[1]));
                            io.read(0, b);
                            yield "data " + new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
                        }
                        case "state" -> {
                            OwnershipState st = s.state(d0);
                            yield "state " + st.pair() + " " + st.epoch();
                        }
                        case "fenced" -> Boolean.toString(s.isFenced(d0));
                        case "quit" -> null;
                        default -> "unknown command " + line;
                    };
                } catch (UnderstudyException e) {
                    answer = "error " + e.code() + " " + e.getMessage();
                }
                if (answer == null) {
                    break;
                }
                System.out.println(answer);
            }
        }
    }

    private static String result(ClaimResult r) {
        return switch (r) {
            case ClaimResult.Acquired a -> "Acquired " + a.epoch();
            case ClaimResult.HeldBy h -> "HeldBy " + h.holder().name() + " " + h.epoch();
            case ClaimResult.Fenced f -> "Fenced " + f.by().name() + " " + f.epoch();
        };
    }
}
