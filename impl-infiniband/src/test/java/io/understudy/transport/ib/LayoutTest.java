package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every constant in {@link IbvLayout} against the installed {@code <infiniband/verbs.h>}: a tiny C program,
 * compiled here (test only), prints offsetof and sizeof. Needs gcc and libibverbs-dev; skips without them
 * (fails when {@code CI=true}).
 */
class LayoutTest {

    @TempDir
    Path dir;

    @Test
    void offsetsMatchTheInstalledHeaders() throws Exception {
        Path gcc = which("gcc");
        if (gcc == null || !Files.exists(Path.of("/usr/include/infiniband/verbs.h"))) {
            String why = gcc == null ? "gcc is not installed" : "libibverbs-dev's headers are not installed";
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + why + "; .ci/install-test-deps installs gcc and libibverbs-dev");
            }
            Assumptions.abort(why + "; install gcc and libibverbs-dev to check the struct layout");
        }
        Path c = dir.resolve("layout.c");
        Files.writeString(c, """
                #include <stdio.h>
                #include <stddef.h>
                #include <infiniband/verbs.h>
                #define O(n, s, f) printf(#n " %zu\\n", offsetof(struct s, f))
                #define S(n, s) printf(#n " %zu\\n", sizeof(struct s))
                int main(void) {
                  O(CONTEXT_OPS, ibv_context, ops);
                  O(OPS_POLL_CQ, ibv_context_ops, poll_cq);
                  O(OPS_POST_SEND, ibv_context_ops, post_send);
                  O(OPS_POST_RECV, ibv_context_ops, post_recv);
                  O(CQ_CONTEXT, ibv_cq, context);
                  O(QP_CONTEXT, ibv_qp, context);
                  S(WC_SIZE, ibv_wc);
                  O(WC_WR_ID, ibv_wc, wr_id);
                  O(WC_STATUS, ibv_wc, status);
                  O(WC_OPCODE, ibv_wc, opcode);
                  O(WC_BYTE_LEN, ibv_wc, byte_len);
                  S(SGE_SIZE, ibv_sge);
                  S(RECV_WR_SIZE, ibv_recv_wr);
                  S(SEND_WR_SIZE, ibv_send_wr);
                  O(SEND_WR_OPCODE, ibv_send_wr, opcode);
                  O(SEND_WR_SEND_FLAGS, ibv_send_wr, send_flags);
                  return 0;
                }
                """);
        Path exe = dir.resolve("layout");
        run(gcc.toString(), "-o", exe.toString(), c.toString());
        Map<String, Long> got = new HashMap<>();
        for (String line : run(exe.toString()).split("\n")) {
            String[] kv = line.trim().split(" ");
            got.put(kv[0], Long.parseLong(kv[1]));
        }
        int checked = 0;
        for (Field f : IbvLayout.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == long.class) {
                assertEquals(got.get(f.getName()), (Long) f.getLong(null), "IbvLayout." + f.getName() + " against the headers");
                checked++;
            }
        }
        assertEquals(got.size(), checked, "every printed value has a constant and every constant was printed");
        assertTrue(checked >= 16);
    }

    static Path which(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
