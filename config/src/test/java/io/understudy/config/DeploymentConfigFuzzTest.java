package io.understudy.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of {@link DeploymentConfig#read}: any text, as YAML or as JSON, either binds to a
 * configuration or is rejected with {@link InvalidConfigurationException} carrying at least one problem;
 * anything else (a parser exception leaking, a stack overflow on deep nesting) is a finding. The input bytes are
 * read as UTF-8. See docs/FUZZING.md; {@code FuzzTest} in this package holds the older random-input test.
 */
class DeploymentConfigFuzzTest {

    @com.code_intelligence.jazzer.junit.FuzzTest(maxDuration = "10s")
    void yaml(byte[] input) {
        read(input, ConfigFormat.YAML);
    }

    @com.code_intelligence.jazzer.junit.FuzzTest(maxDuration = "10s")
    void json(byte[] input) {
        read(input, ConfigFormat.JSON);
    }

    private static void read(byte[] input, ConfigFormat format) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            assertNotNull(DeploymentConfig.read(new StringReader(text), "fuzz." + format.name().toLowerCase(), format));
        } catch (InvalidConfigurationException e) {
            assertFalse(e.problems().isEmpty(), e::getMessage);
        }
    }
}
