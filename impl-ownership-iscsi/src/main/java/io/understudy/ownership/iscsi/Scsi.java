package io.understudy.ownership.iscsi;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * SCSI constants and the decoders of what a target returns: command status with sense (as libiscsi parses
 * it: sense key and the ASC/ASCQ pair) and the PERSISTENT RESERVE IN and READ CAPACITY (16) parameter data
 * (SPC-4 6.16, SBC-3 5.16), decoded from the raw bytes. Decoders check every length and never read past
 * the data; malformed data is a {@link Malformed}.
 */
final class Scsi {

    private Scsi() {
    }

    static final int STATUS_GOOD = 0;
    static final int STATUS_CHECK_CONDITION = 2;
    static final int STATUS_BUSY = 8;
    static final int STATUS_RESERVATION_CONFLICT = 0x18;
    static final int STATUS_TASK_SET_FULL = 0x28;
    /** libiscsi's own statuses for commands that never got a SCSI status. */
    static final int STATUS_CANCELLED = 0x0f000000;
    static final int STATUS_ERROR = 0x0f000001;
    static final int STATUS_TIMEOUT = 0x0f000002;

    static final int SENSE_NOT_READY = 0x02;
    static final int SENSE_UNIT_ATTENTION = 0x06;
    static final int SENSE_ILLEGAL_REQUEST = 0x05;

    static final int PR_IN_READ_KEYS = 0;
    static final int PR_IN_READ_RESERVATION = 1;
    static final int PR_OUT_REGISTER = 0;
    static final int PR_OUT_RESERVE = 1;
    static final int PR_OUT_RELEASE = 2;
    static final int PR_OUT_CLEAR = 3;
    static final int PR_OUT_PREEMPT = 4;
    static final int PR_OUT_PREEMPT_AND_ABORT = 5;
    static final int PR_SCOPE_LU = 0;
    /** Write Exclusive - Registrants Only: only registered I_T nexuses may write. */
    static final int PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 5;

    /** How a command ended, in the terms the service acts on. */
    enum Outcome {
        /** GOOD. */
        GOOD,
        /** RESERVATION CONFLICT: this I_T nexus may not do that (it is not registered, or not the holder). */
        RESERVATION_CONFLICT,
        /** CHECK CONDITION with UNIT ATTENTION: the target reports an event once; the command can be retried. */
        UNIT_ATTENTION,
        /** BUSY, TASK SET FULL or NOT READY: transient, retried. */
        TRANSIENT,
        /** The session failed (connection lost, timeout, cancelled): reconnect and retry. */
        SESSION_LOST,
        /** Anything else: an error to report. */
        FAILED
    }

    /**
     * Classifies a completed command.
     *
     * @param status   the task's status ({@code SCSI_STATUS_*})
     * @param senseKey the sense key (meaningful for CHECK CONDITION)
     * @return the outcome
     */
    static Outcome classify(int status, int senseKey) {
        return switch (status) {
            case STATUS_GOOD -> Outcome.GOOD;
            case STATUS_RESERVATION_CONFLICT -> Outcome.RESERVATION_CONFLICT;
            case STATUS_CHECK_CONDITION -> switch (senseKey) {
                case SENSE_UNIT_ATTENTION -> Outcome.UNIT_ATTENTION;
                case SENSE_NOT_READY -> Outcome.TRANSIENT;
                default -> Outcome.FAILED;
            };
            case STATUS_BUSY, STATUS_TASK_SET_FULL -> Outcome.TRANSIENT;
            case STATUS_CANCELLED, STATUS_ERROR, STATUS_TIMEOUT -> Outcome.SESSION_LOST;
            default -> Outcome.FAILED;
        };
    }

    /** {@return a reader's description of status and sense, such as {@code CHECK CONDITION, UNIT ATTENTION, ASC/ASCQ 0x2a04 (reservations released)}} */
    static String describe(int status, int senseKey, int ascq) {
        String s = switch (status) {
            case STATUS_GOOD -> "GOOD";
            case STATUS_CHECK_CONDITION -> "CHECK CONDITION";
            case STATUS_BUSY -> "BUSY";
            case STATUS_RESERVATION_CONFLICT -> "RESERVATION CONFLICT";
            case STATUS_TASK_SET_FULL -> "TASK SET FULL";
            case STATUS_CANCELLED -> "CANCELLED (libiscsi)";
            case STATUS_ERROR -> "ERROR (libiscsi: the command did not complete)";
            case STATUS_TIMEOUT -> "TIMEOUT (libiscsi)";
            default -> String.format("status 0x%x", status);
        };
        if (status != STATUS_CHECK_CONDITION) {
            return s;
        }
        String asc = ascText(ascq & 0xFFFF);
        return s + ", sense key " + senseKeyName(senseKey) + String.format(", ASC/ASCQ 0x%04x", ascq & 0xFFFF)
                + (asc == null ? "" : " (" + asc + ")");
    }

    static String senseKeyName(int key) {
        return switch (key) {
            case 0 -> "NO SENSE";
            case 1 -> "RECOVERED ERROR";
            case 2 -> "NOT READY";
            case 3 -> "MEDIUM ERROR";
            case 4 -> "HARDWARE ERROR";
            case 5 -> "ILLEGAL REQUEST";
            case 6 -> "UNIT ATTENTION";
            case 7 -> "DATA PROTECT";
            case 0x0b -> "ABORTED COMMAND";
            default -> String.format("0x%x", key);
        };
    }

    static String ascText(int ascq) {
        return switch (ascq) {
            case 0x2900 -> "power on, reset, or bus device reset occurred";
            case 0x2a03 -> "reservations preempted";
            case 0x2a04 -> "reservations released";
            case 0x2a05 -> "registrations preempted";
            case 0x2a09 -> "capacity data has changed";
            case 0x2000 -> "invalid command operation code";
            case 0x2400 -> "invalid field in CDB";
            case 0x2600 -> "invalid field in parameter list";
            case 0x2100 -> "logical block address out of range";
            case 0x2500 -> "logical unit not supported";
            case 0x3f0e -> "reported LUNs data has changed";
            default -> null;
        };
    }

    /** Parameter data that does not follow the standard. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /** READ KEYS parameter data. */
    record Keys(int generation, List<Long> keys) {
        Keys {
            keys = List.copyOf(keys);
        }
    }

    /** READ RESERVATION parameter data: the holder's key, empty if there is no reservation. */
    record Reservation(int generation, OptionalLong holder, int type) {
    }

    /** READ CAPACITY (16) parameter data. */
    record Capacity(long blocks, int blockSize) {
    }

    static Keys decodeKeys(ByteBuffer b) throws Malformed {
        if (b.remaining() < 8) {
            throw new Malformed("READ KEYS data has " + b.remaining() + " bytes, fewer than its 8-byte header");
        }
        int p = b.position();
        int generation = b.getInt(p);
        long additional = Integer.toUnsignedLong(b.getInt(p + 4));
        if (additional % 8 != 0) {
            throw new Malformed("READ KEYS additional length " + additional + " is not a multiple of 8");
        }
        if (additional > b.remaining() - 8) {
            throw new Malformed("READ KEYS announces " + additional + " bytes of keys but " + (b.remaining() - 8)
                    + " came (a larger allocation length would be needed)");
        }
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < additional; i += 8) {
            keys.add(b.getLong(p + 8 + i));
        }
        return new Keys(generation, keys);
    }

    static Reservation decodeReservation(ByteBuffer b) throws Malformed {
        if (b.remaining() < 8) {
            throw new Malformed("READ RESERVATION data has " + b.remaining() + " bytes, fewer than its 8-byte header");
        }
        int p = b.position();
        int generation = b.getInt(p);
        long additional = Integer.toUnsignedLong(b.getInt(p + 4));
        if (additional == 0) {
            return new Reservation(generation, OptionalLong.empty(), 0);
        }
        if (additional != 16) {
            throw new Malformed("READ RESERVATION additional length " + additional + " is neither 0 nor 16");
        }
        if (b.remaining() < 24) {
            throw new Malformed("READ RESERVATION announces a reservation but has only " + b.remaining() + " of 24 bytes");
        }
        long key = b.getLong(p + 8);
        int scopeType = Byte.toUnsignedInt(b.get(p + 21));
        int scope = scopeType >>> 4;
        if (scope != PR_SCOPE_LU) {
            throw new Malformed("READ RESERVATION scope " + scope + " is not LU_SCOPE (0)");
        }
        return new Reservation(generation, OptionalLong.of(key), scopeType & 0x0F);
    }

    static Capacity decodeCapacity(ByteBuffer b) throws Malformed {
        if (b.remaining() < 12) {
            throw new Malformed("READ CAPACITY (16) data has " + b.remaining() + " bytes, fewer than 12");
        }
        int p = b.position();
        long lastLba = b.getLong(p);
        int blockSize = b.getInt(p + 8);
        if (lastLba < 0 || lastLba == Long.MAX_VALUE) {
            throw new Malformed("READ CAPACITY (16) last LBA " + Long.toUnsignedString(lastLba) + " is out of range");
        }
        if (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            throw new Malformed("READ CAPACITY (16) block length " + blockSize + " is not a power of two in 512..65536");
        }
        return new Capacity(lastLba + 1, blockSize);
    }
}
