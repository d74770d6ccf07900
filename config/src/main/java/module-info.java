/**
 * Understudy's deployment configuration: a YAML or JSON file read into validated, immutable records
 * ({@link io.understudy.config.DeploymentConfig} and its sections), and turned into SDK objects (naming
 * conventions, provider contexts, node and disk ids). Every key is documented in {@code docs/CONFIGURATION.md}.
 *
 * <p>The binder reads Jackson's streaming API (not databind), so the records need not be opened to
 * reflection.
 */
module io.understudy.config {
    requires transitive io.understudy.api;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires org.yaml.snakeyaml; // only to read the line and column of a YAML syntax error
    exports io.understudy.config;
}
