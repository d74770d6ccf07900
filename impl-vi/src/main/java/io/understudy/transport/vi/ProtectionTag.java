package io.understudy.transport.vi;

/**
 * A protection tag: memory registered under one tag can be used only by VIs created with the same tag.
 * Obtain one from {@link ViNic#createProtectionTag()}.
 *
 * @param nic   the address of the NIC that issued it
 * @param value its number, unique on that NIC
 * @since 0.1
 */
public record ProtectionTag(String nic, int value) {
}
