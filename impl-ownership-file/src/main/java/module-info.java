/**
 * The embedded ownership provider ({@code file}): each shared disk is a file {@code <disk>.disk} in a shared
 * directory, whose first 512 bytes are sector S, and the disk's SCSI-3 persistent reservation is emulated in
 * a sidecar file {@code <disk>.pr}, updated under file locks so that nodes in separate processes on one
 * host arbitrate correctly.
 */
module io.understudy.ownership.file {
    requires transitive io.understudy.api;
    exports io.understudy.ownership.file;
    provides io.understudy.api.ownership.OwnershipProvider with io.understudy.ownership.file.FileOwnershipProvider;
}
