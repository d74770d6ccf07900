package io.understudy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.understudy.api.ErrorCode;
import java.io.StringReader;

/** Test helpers: load text, or expect it to fail. */
final class Configs {

    static final String DEMO = """
            cluster:
              name: demo
              nodes:
                - name: FilerA
                  address: 127.0.0.11
                  interconnect: 127.0.0.11:7100
                  disks: [filera-vol0]
                - name: FilerB
                  address: 127.0.0.12
                  interconnect: 127.0.0.12:7100
                  disks: [filerb-vol0]
            client:
              server: FilerA
            """;

    private Configs() {
    }

    static DeploymentConfig yaml(String text) {
        return DeploymentConfig.read(new StringReader(text), "test.yaml");
    }

    static DeploymentConfig json(String text) {
        return DeploymentConfig.read(new StringReader(text), "test.json");
    }

    static InvalidConfigurationException failYaml(String text) {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> yaml(text));
        assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
        return e;
    }

    static InvalidConfigurationException failJson(String text) {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> json(text));
        assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
        return e;
    }

    /** The demo with one line replaced (the first line containing {@code find}). */
    static String demoWith(String find, String replacement) {
        if (!DEMO.contains(find)) {
            throw new IllegalArgumentException(find);
        }
        return DEMO.replaceFirst(java.util.regex.Pattern.quote(find), java.util.regex.Matcher.quoteReplacement(replacement));
    }
}
