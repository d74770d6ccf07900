/**
 * The iSCSI ownership provider ({@code iscsi}): each shared disk is a LUN of an iSCSI target; sector S is a
 * block of the LUN and the disk's SCSI-3 persistent reservation is the target's own, reached through
 * libiscsi with the foreign-function API. Needs {@code --enable-native-access=io.understudy.ownership.iscsi}
 * (or {@code ALL-UNNAMED} on the class path).
 */
module io.understudy.ownership.iscsi {
    requires transitive io.understudy.api;
    exports io.understudy.ownership.iscsi;
    provides io.understudy.api.ownership.OwnershipProvider with io.understudy.ownership.iscsi.IscsiOwnershipProvider;
}
