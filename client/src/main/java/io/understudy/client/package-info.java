/**
 * The failover client: {@link io.understudy.client.FailoverClient}, its {@link io.understudy.client.ClientMetrics}
 * and the {@link io.understudy.client.NotFoundPolicy} that says how the configured resolvers are chained.
 *
 * @since 0.1
 */
package io.understudy.client;
