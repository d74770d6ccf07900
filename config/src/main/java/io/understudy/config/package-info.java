/**
 * The deployment configuration. Load it with {@link io.understudy.config.DeploymentConfig#load(java.nio.file.Path)}
 * or {@link io.understudy.config.DeploymentConfig#read(java.io.Reader, String)}; a bad file fails with an
 * {@link io.understudy.config.InvalidConfigurationException} that names each key, line and reason.
 *
 * <p>All types here are immutable and thread-safe, and no method accepts or returns null unless its
 * documentation says so. Absent optional sections and keys are {@link java.util.Optional#empty()}.
 *
 * @since 0.1
 */
package io.understudy.config;
