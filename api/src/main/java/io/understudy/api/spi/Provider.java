package io.understudy.api.spi;

import java.util.Objects;

/**
 * The base of every Understudy service provider (transports, name resolvers, ownership). A provider is a
 * small, cheap factory found with {@link java.util.ServiceLoader}: it has an {@link #id()} by which
 * configuration selects it, an {@link #availability()} that says whether it can run here and why not, and
 * a {@link #priority()} used when nothing is selected explicitly.
 *
 * <p>Subclasses must have a public no-argument constructor that does no I/O and cannot fail; probes of
 * native libraries or devices belong in {@link #availability()}, computed once and cached. All methods
 * must be thread-safe and must not throw.
 *
 * @since 0.1
 */
public abstract class Provider {

    /** The default priority. */
    public static final int DEFAULT_PRIORITY = 5;

    /** For subclasses. */
    protected Provider() {
    }

    /**
     * {@return the id by which configuration selects this provider, such as {@code tcp} or {@code hosts}}
     * Lower-case letters, digits and hyphens.
     */
    public abstract String id();

    /** {@return whether this provider can be used here; never throws} */
    public abstract Availability availability();

    /** {@return 0 to 10, higher wins when nothing is selected explicitly; {@value #DEFAULT_PRIORITY} by default} */
    public int priority() {
        return DEFAULT_PRIORITY;
    }

    @Override
    public String toString() {
        Availability a;
        try {
            a = availability();
        } catch (RuntimeException | LinkageError e) {
            a = Availability.unavailable("availability() threw, which it must not", e);
        }
        return Objects.toString(id()) + "(priority " + priority() + ", " + a + ", " + getClass().getName() + ")";
    }
}
