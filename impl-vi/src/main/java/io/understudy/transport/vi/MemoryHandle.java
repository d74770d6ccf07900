package io.understudy.transport.vi;

import java.nio.ByteBuffer;

/**
 * A region of memory registered with a NIC ({@code VipRegisterMem}): the only memory descriptors may name.
 * Segments are given as offsets into the region. Deregistering invalidates the handle; descriptors that
 * still name it complete with {@link ViStatus#PROTECTION_ERROR}.
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
public final class MemoryHandle {
    private final ViNic nic;
    private final ByteBuffer region;
    private final ProtectionTag tag;
    private volatile boolean registered = true;

    MemoryHandle(ViNic nic, ByteBuffer region, ProtectionTag tag) {
        this.nic = nic;
        this.region = region.duplicate().clear();
        this.tag = tag;
    }

    /** {@return the registered region; position and limit of the returned view are free to change} */
    public ByteBuffer region() {
        return region.duplicate();
    }

    /** {@return the region's length in bytes} */
    public int length() {
        return region.capacity();
    }

    /** {@return the protection tag it was registered under} */
    public ProtectionTag protectionTag() {
        return tag;
    }

    /** {@return whether it is still registered} */
    public boolean isRegistered() {
        return registered;
    }

    ByteBuffer raw() {
        return region;
    }

    ViNic nic() {
        return nic;
    }

    void deregister() {
        registered = false;
    }

    @Override
    public String toString() {
        return "memory handle (" + region.capacity() + " bytes, tag " + tag.value() + (registered ? "" : ", deregistered") + ")";
    }
}
