package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * The struct offsets the binding uses ({@link LibIscsi.TaskLayout}) against the installed headers: a tiny C
 * program, compiled here (test only; nothing is compiled into the product), prints {@code offsetof} values.
 * Needs gcc and libiscsi-dev; skips without them (fails when {@code CI=true}).
 */
class LayoutTest {

    @TempDir
    Path dir;

    @Test
    void offsetsMatchTheInstalledHeaders() throws Exception {
        Path gcc = Tgtd.which("gcc");
        boolean headers = Files.exists(Path.of("/usr/include/iscsi/scsi-lowlevel.h"));
        if (gcc == null || !headers) {
            String why = (gcc == null ? "gcc is not installed" : "libiscsi-dev's headers are not installed");
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + why + "; .ci/install-test-deps installs gcc and libiscsi-dev");
            }
            Assumptions.abort(why + "; install gcc and libiscsi-dev to check the struct layout");
        }
        Path c = dir.resolve("layout.c");
        Files.writeString(c, """
                #include <stdio.h>
                #include <stddef.h>
                #include <stdint.h>
                #include <iscsi/iscsi.h>
                #include <iscsi/scsi-lowlevel.h>
                #define T(f) offsetof(struct scsi_task, f)
                #define P(f) offsetof(struct scsi_persistent_reserve_out_basic, f)
                int main(void) {
                  printf("STATUS %zu\\n", T(status));
                  printf("SENSE_KEY %zu\\n", T(sense) + offsetof(struct scsi_sense, key));
                  printf("SENSE_ASCQ %zu\\n", T(sense) + offsetof(struct scsi_sense, ascq));
                  printf("DATAIN_SIZE %zu\\n", T(datain) + offsetof(struct scsi_data, size));
                  printf("DATAIN_DATA %zu\\n", T(datain) + offsetof(struct scsi_data, data));
                  printf("PRO_RESERVATION_KEY %zu\\n", P(reservation_key));
                  printf("PRO_SERVICE_ACTION_RESERVATION_KEY %zu\\n", P(service_action_reservation_key));
                  printf("PRO_SPEC_I_PT %zu\\n", P(spec_i_pt));
                  printf("PRO_ALL_TG_PT %zu\\n", P(all_tg_pt));
                  printf("PRO_APTPL %zu\\n", P(aptpl));
                  printf("PRO_SIZE %zu\\n", sizeof(struct scsi_persistent_reserve_out_basic));
                  printf("ISCSI_SESSION_NORMAL %d\\n", (int) ISCSI_SESSION_NORMAL);
                  printf("ISCSI_HEADER_DIGEST_NONE %d\\n", (int) ISCSI_HEADER_DIGEST_NONE);
                  printf("SCSI_STATUS_RESERVATION_CONFLICT %d\\n", (int) SCSI_STATUS_RESERVATION_CONFLICT);
                  printf("SCSI_STATUS_ERROR %d\\n", (int) SCSI_STATUS_ERROR);
                  printf("SCSI_PERSISTENT_RESERVE_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY %d\\n", (int) SCSI_PERSISTENT_RESERVE_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY);
                  printf("SCSI_PERSISTENT_RESERVE_PREEMPT %d\\n", (int) SCSI_PERSISTENT_RESERVE_PREEMPT);
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
        assertEquals(LibIscsi.TaskLayout.STATUS, got.get("STATUS"));
        assertEquals(LibIscsi.TaskLayout.SENSE_KEY, got.get("SENSE_KEY"));
        assertEquals(LibIscsi.TaskLayout.SENSE_ASCQ, got.get("SENSE_ASCQ"));
        assertEquals(LibIscsi.TaskLayout.DATAIN_SIZE, got.get("DATAIN_SIZE"));
        assertEquals(LibIscsi.TaskLayout.DATAIN_DATA, got.get("DATAIN_DATA"));
        assertEquals(LibIscsi.TaskLayout.PRO_RESERVATION_KEY, got.get("PRO_RESERVATION_KEY"));
        assertEquals(LibIscsi.TaskLayout.PRO_SERVICE_ACTION_RESERVATION_KEY, got.get("PRO_SERVICE_ACTION_RESERVATION_KEY"));
        assertEquals(LibIscsi.TaskLayout.PRO_SPEC_I_PT, got.get("PRO_SPEC_I_PT"));
        assertEquals(LibIscsi.TaskLayout.PRO_ALL_TG_PT, got.get("PRO_ALL_TG_PT"));
        assertEquals(LibIscsi.TaskLayout.PRO_APTPL, got.get("PRO_APTPL"));
        assertEquals(LibIscsi.TaskLayout.PRO_SIZE, got.get("PRO_SIZE"));
        assertEquals(LibIscsi.ISCSI_SESSION_NORMAL, got.get("ISCSI_SESSION_NORMAL"));
        assertEquals(LibIscsi.ISCSI_HEADER_DIGEST_NONE, got.get("ISCSI_HEADER_DIGEST_NONE"));
        assertEquals(Scsi.STATUS_RESERVATION_CONFLICT, got.get("SCSI_STATUS_RESERVATION_CONFLICT"));
        assertEquals(Scsi.STATUS_ERROR, got.get("SCSI_STATUS_ERROR"));
        assertEquals(Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, got.get("SCSI_PERSISTENT_RESERVE_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY"));
        assertEquals(Scsi.PR_OUT_PREEMPT, got.get("SCSI_PERSISTENT_RESERVE_PREEMPT"));
        assertTrue(got.size() >= 17);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
