package io.understudy.api;

/**
 * The address of a Virtual Interface Architecture NIC. VI does not permit transport addresses to be
 * reassigned, which is why clients compute their failover destination rather than waiting for an address
 * to move. Data-access ports map to VI discriminators on the NIC.
 *
 * @param nicAddress the NIC's address, 1 to 64 printable ASCII characters without spaces (for the
 *                   emulation: {@code host/nic0})
 * @since 0.1
 */
public record ViEndpoint(String nicAddress) implements Endpoint {

    /** Validates the address. */
    public ViEndpoint {
        if (nicAddress == null || nicAddress.isEmpty() || nicAddress.length() > 64
                || !nicAddress.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new UnderstudyException(ErrorCode.INVALID_ENDPOINT,
                    "invalid VI NIC address " + ServerName.quote(nicAddress) + "; expected 1-64 printable ASCII characters without spaces");
        }
    }

    @Override
    public String describe() {
        return "vi:" + nicAddress;
    }
}
