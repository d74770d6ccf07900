package io.understudy.api.spi;

import java.util.Objects;

/**
 * Whether a provider can be used on this machine, and if not, why. Providers compute it once, lazily, and
 * never throw while doing so: a missing native library or device becomes {@link Unavailable} with a reason
 * that tells the user what to install or configure.
 *
 * @since 0.1
 */
public sealed interface Availability permits Availability.Available, Availability.Unavailable {

    /** {@return the available value} */
    static Availability available() {
        return Available.INSTANCE;
    }

    /**
     * {@return an unavailable value}
     *
     * @param reason what is missing and what to do about it, not null
     */
    static Availability unavailable(String reason) {
        return new Unavailable(reason, null);
    }

    /**
     * {@return an unavailable value with its cause}
     *
     * @param reason what is missing and what to do about it, not null
     * @param cause  the failure behind it, or null
     */
    static Availability unavailable(String reason, Throwable cause) {
        return new Unavailable(reason, cause);
    }

    /** {@return whether the provider can be used} */
    default boolean isAvailable() {
        return this instanceof Available;
    }

    /** The provider can be used. */
    enum Available implements Availability {
        /** The one instance. */
        INSTANCE;

        @Override
        public String toString() {
            return "available";
        }
    }

    /**
     * The provider cannot be used.
     *
     * @param reason what is missing and what to do about it
     * @param cause  the failure behind it, or null
     */
    record Unavailable(String reason, Throwable cause) implements Availability {
        /** Validates the reason. */
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String toString() {
            return "unavailable: " + reason + (cause == null ? "" : " (" + cause + ")");
        }
    }
}
