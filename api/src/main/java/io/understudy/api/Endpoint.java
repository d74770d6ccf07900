package io.understudy.api;

/**
 * Where a transport can reach a server: what a name resolver produces and a transport connects to. The SDK
 * ships {@link InetEndpoint}, {@link ViEndpoint} and {@link IbEndpoint}; a plugin may define its own
 * endpoint type, and declares the types it produces or reaches so incompatible pairs are skipped with a
 * reason instead of failing at connect time.
 *
 * <p>Implementations must be immutable values with {@code equals}, {@code hashCode} and a readable
 * {@code toString}.
 *
 * @since 0.1
 */
public interface Endpoint {
    /** {@return a short description of the address, for messages and events} */
    String describe();
}
