/**
 * An example file service built on Understudy: {@link io.understudy.examples.fileservice.FileService} is the
 * node-side {@link io.understudy.cluster.VolumeService} (an append-only log per volume, durable before
 * acknowledged), {@link io.understudy.examples.fileservice.FileServiceCodec} its wire format, and
 * {@link io.understudy.examples.fileservice.FileServiceClient} the client over any
 * {@link io.understudy.session.RequestChannel}, such as the failover client.
 */
module io.understudy.examples.fileservice {
    requires transitive io.understudy.cluster;
    requires transitive io.understudy.session;
    exports io.understudy.examples.fileservice;
}
