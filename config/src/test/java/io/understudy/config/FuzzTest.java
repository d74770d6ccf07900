package io.understudy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.ErrorCode;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random mutations of a valid configuration must give either a valid configuration or an
 * {@link InvalidConfigurationException} with {@link ErrorCode#INVALID_CONFIGURATION}: never another
 * exception. The seed is printed; rerun one with {@code -Dunderstudy.fuzz.seed=<seed>}, and run more cases with
 * {@code -Dunderstudy.fuzz.cases=<n>}.
 */
class FuzzTest {

    /** Enough to reach every mutation often, few enough to run in about a second; more with -Dunderstudy.fuzz.cases. */
    private static final int CASES = Integer.getInteger("understudy.fuzz.cases", 600);

    private static final String YAML = """
            cluster:
              name: demo
              heartbeatInterval: 100ms
              missedHeartbeats: 5
              takeoverCountdown: 2s
              givebackTimeout: 10s
              interconnect: {transport: tcp}
              nodes:
                - name: FilerA
                  label: A
                  address: 127.0.0.11
                  interconnect: 127.0.0.11:7100
                  disks: [filera-vol0, filera-vol1]
                - name: FilerB
                  address: "::1"
                  interconnect: "[::1]:7100"
                  disks: [filerb-vol0]
            naming:
              convention: template
              value: "{name}-failover"
              resolvers: [hosts, dns]
              onNotFound: next
              cacheTtlCap: 30s
              negativeTtl: PT2S
              options: {hosts.file: /etc/hosts}
            transport:
              provider: tcp
              ports: {DAFS: 7000, pDAF: 7001, vol7: 7010}
              connectTimeout: 2s
              requestTimeout: 5s
              options: {tcp.maxFrameSize: "16777216"}
            ownership:
              provider: file
              options: {file.directory: /var/lib/understudy/disks}
            client:
              server: FilerA
              primaryPort: DAFS
              secondaryPort: pDAF
              primaryRetries: 2
              retryBackoff: 50ms
              maxBackoff: 1s
              failoverBudget: 30s
            """;

    private static final String JSON = """
            {"cluster": {"nodes": [
               {"name": "FilerA", "address": "127.0.0.11", "interconnect": "127.0.0.11:7100", "disks": ["a"]},
               {"name": "FilerB", "address": "127.0.0.12", "interconnect": "127.0.0.12:7100", "disks": ["b"]}]},
             "naming": {"convention": "prefix", "value": "fo-", "options": {"hosts.file": "/h"}},
             "transport": {"ports": {"DAFS": 7000}, "connectTimeout": "2s"},
             "client": {"server": "FilerA", "primaryRetries": 3}}
            """;

    private static final String CHARS = " :-[]{},#&*!|>'\"\t\n%@`?~.0123456789aAzZ_/\\\u00e9\u0000";
    private static final String[] VALUES = {
        "-1", "0", "70000", "~", "", "[]", "{}", "yes", "1.5", "PT-1S", "\"DA FS\"", "99999999999999999999999",
        "!!binary aGVsbG8=", "*x", "&x y", "'", "\"", "{name}", "::1", "[::1]:7100", "NaNs", "1e9s", "P9999999D",
        "0x1F", "!!int abc", "!!float x", "<<: {a: 1}", "? [a]", "|\n  text", ">-", "\"\\u0000\"", "a".repeat(300),
        "127.0.0.1:0", "[a, [b, {c: d}]]", "!custom x", "- x", "tcp.x: y", "U", "2147483648", "-9223372036854775809",
    };

    @Test
    void mutationsGiveAConfigOrAnInvalidConfigurationNeverAnotherException() {
        long seed = Long.getLong("understudy.fuzz.seed", System.nanoTime());
        System.out.println("FuzzTest seed=" + seed + " (rerun with -Dunderstudy.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        // The bases themselves are valid.
        Configs.yaml(YAML);
        Configs.json(JSON);
        int valid = 0;
        int invalid = 0;
        for (int i = 0; i < CASES; i++) {
            boolean json = random.nextInt(4) == 0;
            String text = json ? JSON : YAML;
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                text = mutate(text, random);
            }
            try {
                DeploymentConfig.read(new StringReader(text), json ? "fuzz.json" : "fuzz.yaml");
                valid++;
            } catch (InvalidConfigurationException e) {
                assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
                invalid++;
            } catch (Throwable t) {
                fail("seed " + seed + ", case " + i + ": " + t + " for input:\n" + text, t);
            }
        }
        System.out.println("FuzzTest " + CASES + " cases: " + valid + " valid, " + invalid + " rejected");
    }

    private static String mutate(String text, Random r) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        int at = text.isEmpty() ? 0 : r.nextInt(text.length());
        int line = r.nextInt(lines.size());
        switch (r.nextInt(10)) {
            case 0 -> {
                return text.isEmpty() ? text : text.substring(0, at) + text.substring(at + 1);
            }
            case 1 -> {
                return text.substring(0, at) + CHARS.charAt(r.nextInt(CHARS.length())) + text.substring(at);
            }
            case 2 -> {
                return text.isEmpty() ? text : text.substring(0, at) + CHARS.charAt(r.nextInt(CHARS.length())) + text.substring(at + 1);
            }
            case 3 -> lines.remove(line);
            case 4 -> lines.add(line, lines.get(line));
            case 5 -> {
                int other = r.nextInt(lines.size());
                String t = lines.get(line);
                lines.set(line, lines.get(other));
                lines.set(other, t);
            }
            case 6 -> lines.set(line, r.nextBoolean() ? "  " + lines.get(line) : lines.get(line).replaceFirst("^ {1,2}", ""));
            case 7, 8 -> {
                String l = lines.get(line);
                int colon = l.indexOf(": ");
                String value = VALUES[r.nextInt(VALUES.length)];
                lines.set(line, colon < 0 ? l + " " + value : l.substring(0, colon + 2) + value);
            }
            default -> {
                return text.substring(0, at);
            }
        }
        return String.join("\n", lines);
    }
}
