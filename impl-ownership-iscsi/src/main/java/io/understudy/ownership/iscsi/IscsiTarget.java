package io.understudy.ownership.iscsi;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.util.Objects;

/**
 * Where one shared disk lives: an iSCSI portal, target and LUN, written
 * {@code iscsi://HOST[:PORT]/TARGET-IQN/LUN} (libiscsi's URL form, without credentials).
 *
 * @param portal         {@code host:port}
 * @param iqn            the target's IQN
 * @param lun            the logical unit number
 * @param timeoutSeconds libiscsi's command timeout
 */
record IscsiTarget(String portal, String iqn, int lun, int timeoutSeconds) {

    IscsiTarget {
        Objects.requireNonNull(portal, "portal");
        Objects.requireNonNull(iqn, "iqn");
        if (lun < 0 || lun > 255) {
            throw new IllegalArgumentException("LUN " + lun + " is out of range 0-255");
        }
    }

    /**
     * Parses {@code iscsi://HOST[:PORT]/IQN/LUN}.
     *
     * @param url            the URL
     * @param timeoutSeconds the command timeout
     * @return the target
     * @throws UnderstudyException {@code INVALID_CONFIGURATION} saying what is wrong
     */
    static IscsiTarget parse(String url, int timeoutSeconds) {
        String u = url.trim();
        String bad = "'" + url + "' is not an iSCSI LUN URL; expected iscsi://HOST[:PORT]/TARGET-IQN/LUN such as"
                + " iscsi://127.0.0.1:3260/iqn.2026-01.io.understudy:disks/1";
        if (!u.startsWith("iscsi://")) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, bad);
        }
        String[] parts = u.substring("iscsi://".length()).split("/");
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, bad);
        }
        String portal = parts[0].contains(":") ? parts[0] : parts[0] + ":3260";
        try {
            return new IscsiTarget(portal, parts[1], Integer.parseInt(parts[2]), timeoutSeconds);
        } catch (IllegalArgumentException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, bad + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "iscsi://" + portal + "/" + iqn + "/" + lun;
    }
}
