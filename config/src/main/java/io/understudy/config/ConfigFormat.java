package io.understudy.config;

import java.util.Locale;

/**
 * The text formats a deployment configuration can be written in. {@link DeploymentConfig#load(java.nio.file.Path)}
 * chooses one by file name; {@link DeploymentConfig#read(java.io.Reader, String, ConfigFormat)} takes it
 * explicitly. Immutable and thread-safe.
 *
 * @since 0.1
 */
public enum ConfigFormat {
    /** YAML 1.1, the usual form; anchors, aliases and multiple documents are not supported. */
    YAML,
    /** Strict JSON (no comments). */
    JSON;

    /**
     * {@return the format a source name implies: {@link #JSON} if it ends with {@code .json} (any case), else {@link #YAML}}
     *
     * @param sourceName a file name or other source name, not null
     */
    public static ConfigFormat forSourceName(String sourceName) {
        return sourceName.toLowerCase(Locale.ROOT).endsWith(".json") ? JSON : YAML;
    }
}
