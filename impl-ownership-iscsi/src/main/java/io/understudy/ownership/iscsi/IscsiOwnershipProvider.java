package io.understudy.ownership.iscsi;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipProvider;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.Option;
import io.understudy.api.spi.ProviderContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The iSCSI ownership provider, id {@value #ID}: each shared disk is a LUN of an iSCSI target, sector S is a
 * block of that LUN ({@link SectorSDescriptor}) and the disk's reservation is the target's SCSI-3 persistent
 * reservation of type Write Exclusive - Registrants Only, so a preempted node's writes fail at the target.
 * It calls libiscsi ({@code libiscsi.so.7}, Debian package {@code libiscsi7}) through the foreign-function
 * API; where the library is missing it is unavailable with the package to install, and discovery never
 * throws. The JVM needs {@code --enable-native-access=io.understudy.ownership.iscsi} (or
 * {@code ALL-UNNAMED} on the class path).
 *
 * <p>Options:
 * <ul>
 *   <li>{@link #DISKS} {@code iscsi.disks} (required): {@code d0=iscsi://127.0.0.1:3260/iqn.../1,d1=...};</li>
 *   <li>{@link #SECTOR_LBA} {@code iscsi.sector-lba}: the block of sector S, 0 by default;</li>
 *   <li>{@link #LABEL} {@code iscsi.label}: this node's label in {@code <A,U>} pairs;</li>
 *   <li>{@link #TIMEOUT} {@code iscsi.timeout-seconds}: libiscsi's command timeout, 10 by default.</li>
 * </ul>
 * Thread-safe; {@link #open} logs in to every LUN and registers this node's key on each.
 *
 * @since 0.1
 */
public final class IscsiOwnershipProvider extends OwnershipProvider {

    /** The provider's id. */
    public static final String ID = "iscsi";

    /** The disks, as {@code name=iscsi://HOST[:PORT]/IQN/LUN} pairs separated by commas; required. */
    public static final Option<String> DISKS = Option.string("iscsi.disks", "",
            "the shared disks as name=iscsi://HOST[:PORT]/TARGET-IQN/LUN pairs, comma-separated");
    /** The logical block of sector S. */
    public static final Option<Integer> SECTOR_LBA = Option.integer("iscsi.sector-lba", 0,
            "the logical block address of sector S on every LUN; the node directory and the data area follow it");
    /** This node's label. */
    public static final Option<String> LABEL = Option.string("iscsi.label", "",
            "this node's label in <SECTORS,SCSI> pairs, 1-8 characters, not U; by default the name's last character");
    /** libiscsi's command timeout in seconds. */
    public static final Option<Integer> TIMEOUT = Option.integer("iscsi.timeout-seconds", 10,
            "libiscsi's timeout for each command, in seconds");

    /** For {@link java.util.ServiceLoader}. */
    public IscsiOwnershipProvider() {
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * {@return 3: below the embedded {@code file} provider's 5} This provider needs explicit configuration
     * ({@code iscsi.disks}), so it is chosen by id ({@code ownership.provider: iscsi}), never by default.
     */
    @Override
    public int priority() {
        return 3;
    }

    /** {@return available where libiscsi loads; otherwise the reason and the package to install}; never throws */
    @Override
    public Availability availability() {
        return LibIscsi.availability();
    }

    /**
     * Opens a service for the context's node: logs in to every disk's LUN and registers a key there.
     *
     * @param context node name (required) and options
     * @return the service
     * @throws UnderstudyException {@code PROVIDER_UNAVAILABLE} without libiscsi, {@code INVALID_CONFIGURATION}
     *                             for bad options, {@code DISK_IO} if a target cannot be reached
     */
    @Override
    public OwnershipService open(ProviderContext context) {
        Availability a = availability();
        if (a instanceof Availability.Unavailable u) {
            throw new UnderstudyException(ErrorCode.PROVIDER_UNAVAILABLE, "the 'iscsi' ownership provider is unavailable: " + u.reason(),
                    u.cause());
        }
        String name = context.nodeName().orElseThrow(() -> new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                "the 'iscsi' ownership provider needs the node's name; set it with ProviderContext.Builder.nodeName"));
        String label = context.option(LABEL);
        NodeId self = label.isBlank() ? NodeId.of(name) : new NodeId(name, label.trim());
        int lba = context.option(SECTOR_LBA);
        if (lba < 0) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + SECTOR_LBA.name() + " must not be negative: " + lba);
        }
        Map<DiskId, IscsiTarget> disks = parseDisks(context.option(DISKS), context.option(TIMEOUT));
        return new IscsiOwnershipService(self, LibIscsi.get(), disks, lba, context.clock());
    }

    static Map<DiskId, IscsiTarget> parseDisks(String text, int timeout) {
        if (text.isBlank()) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "the 'iscsi' ownership provider needs option "
                    + DISKS.name() + ": " + DISKS.description());
        }
        Map<DiskId, IscsiTarget> disks = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + DISKS.name() + ": '" + part.trim()
                        + "' is not name=iscsi://HOST[:PORT]/IQN/LUN");
            }
            DiskId id = DiskId.of(part.substring(0, eq).trim());
            if (disks.put(id, IscsiTarget.parse(part.substring(eq + 1), timeout)) != null) {
                throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + DISKS.name() + " names disk " + id + " twice");
            }
        }
        return disks;
    }
}
