package io.understudy.api;

import java.util.regex.Pattern;

/**
 * The address of an InfiniBand port, as its 128-bit global identifier (GID) written as eight groups of
 * four hexadecimal digits ({@code fe80:0000:0000:0000:0002:c903:0001:0b21}). Data-access ports map to port
 * numbers in the RDMA connection manager's port space.
 *
 * @param gid the GID, in the eight-group form
 * @since 0.1
 */
public record IbEndpoint(String gid) implements Endpoint {

    private static final Pattern GID = Pattern.compile("[0-9a-fA-F]{4}(:[0-9a-fA-F]{4}){7}");

    /** Validates the GID. */
    public IbEndpoint {
        if (gid == null || !GID.matcher(gid).matches()) {
            throw new UnderstudyException(ErrorCode.INVALID_ENDPOINT,
                    "invalid InfiniBand GID " + ServerName.quote(gid) + "; expected eight groups of four hex digits, e.g. fe80:0000:0000:0000:0002:c903:0001:0b21");
        }
    }

    @Override
    public String describe() {
        return "ib:" + gid;
    }
}
