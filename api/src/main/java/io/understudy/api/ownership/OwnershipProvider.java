package io.understudy.api.ownership;

import io.understudy.api.spi.Provider;
import io.understudy.api.spi.ProviderContext;

/**
 * Provides {@link OwnershipService}s for one kind of shared storage (files in a directory, iSCSI LUNs).
 * Found with {@link java.util.ServiceLoader}; see {@link Provider} for the contract every provider keeps.
 *
 * @since 0.1
 */
public abstract class OwnershipProvider extends Provider {

    /** For subclasses. */
    protected OwnershipProvider() {
    }

    /**
     * Opens a service acting for {@link ProviderContext#nodeName()}.
     *
     * @param context the SDK's context: node name, clock and the provider's options
     * @return the service
     * @throws io.understudy.api.UnderstudyException if the storage cannot be reached or the context lacks a node name
     */
    public abstract OwnershipService open(ProviderContext context);
}
