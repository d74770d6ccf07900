package io.understudy.api;

/**
 * The name of a data-access port: the seed's VI <em>discriminator</em>, a TCP port's role, an RDMA CM
 * port's role. A server serves its own clients on {@link #DAFS} and, while it has taken over its
 * partner, the partner's clients on {@link #PDAF}. Deployments may also use per-volume names
 * ({@code vol7}, {@code pvol7}). Each transport maps names to its own addresses (TCP port numbers,
 * discriminators, RDMA CM ports) in configuration; the name itself never moves.
 *
 * @param name 1 to 32 characters: ASCII letters, digits, {@code '.'}, {@code '_'} and {@code '-'}; no spaces
 * @since 0.1
 */
public record DataAccessPort(String name) {

    /** The primary data-access port (Table 1: "DAFS"). */
    public static final DataAccessPort DAFS = new DataAccessPort("DAFS");
    /** The secondary, "partner DAFS" port, active only during takeover (Table 1: "pDAF"). */
    public static final DataAccessPort PDAF = new DataAccessPort("pDAF");

    /** Maximum length of a port name. */
    public static final int MAX_LENGTH = 32;

    /** Validates the name. */
    public DataAccessPort {
        String problem = problemWith(name);
        if (problem != null) {
            throw new UnderstudyException(ErrorCode.INVALID_PORT_NAME,
                    "invalid data-access port name " + ServerName.quote(name) + ": " + problem
                            + "; expected a name such as DAFS, pDAF or vol7");
        }
    }

    /**
     * {@return the port with this name}
     *
     * @param name the name
     * @throws UnderstudyException with {@link ErrorCode#INVALID_PORT_NAME} if it is not valid
     */
    public static DataAccessPort of(String name) {
        return new DataAccessPort(name);
    }

    /**
     * {@return why {@code name} is not a valid port name, or null if it is one}
     *
     * @param name the candidate, may be null
     */
    public static String problemWith(String name) {
        if (name == null) {
            return "it is null";
        }
        if (name.isEmpty()) {
            return "it is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "it is " + name.length() + " characters long, the limit is " + MAX_LENGTH;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                String what = c == ' ' ? "a space" : Character.isISOControl(c) ? String.format("U+%04X", (int) c) : "'" + c + "'";
                return "it contains " + what + " at offset " + i + " (letters, digits, '.', '_' and '-' only)";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return name;
    }
}
