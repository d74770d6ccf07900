/**
 * An example file service built on Understudy: {@link io.understudy.examples.fileservice.JournaledFileService}
 * is the node-side application on the SDK's journal (exactly-once across failover, with APPEND; what
 * {@code understudy node} serves), {@link io.understudy.examples.fileservice.FileService} a log-structured
 * {@link io.understudy.cluster.VolumeService} variant (durable before acknowledged, at-least-once), {@link io.understudy.examples.fileservice.FileServiceCodec} its wire format, and
 * {@link io.understudy.examples.fileservice.FileServiceClient} the client over any
 * {@link io.understudy.session.RequestChannel}, such as the failover client.
 */
module io.understudy.examples.fileservice {
    requires transitive io.understudy.cluster;
    requires transitive io.understudy.session;
    exports io.understudy.examples.fileservice;
}
