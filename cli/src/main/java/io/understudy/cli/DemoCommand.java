package io.understudy.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code understudy demo}: the failover demo, end to end between real processes. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the failover demo: two filer processes, kill -9, takeover, giveback, operator takeover; verify every acknowledged write.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--keep", description = "Keep the demo's directory (configuration, hosts file, disks, node logs).")
    boolean keep;

    @Option(names = "--naming", defaultValue = "hosts", paramLabel = "hosts|dns",
            description = "How clients resolve FilerA-failover: hosts (a hosts file, the default) or dns (a dnsmasq started on 127.0.0.1 with the same names and pDAF SRV records).")
    String naming;

    @Option(names = "--disks", defaultValue = "file", paramLabel = "file|iscsi", description = "Where the filers' disks live: file (files in the demo's directory,"
            + " the default) or iscsi (two LUNs of a private tgtd on 127.0.0.1; needs tgt, libiscsi7 and root).")
    String disks;

    @Option(names = "--transport", defaultValue = "tcp", paramLabel = "tcp|vi|ib",
            description = "The data-access transport: tcp (default), vi (the VI emulation over shared memory; clients connect to discriminator pDAF on the partner) or ib (InfiniBand software verbs over the tcp fabric between the processes; clients connect to RDMA CM port pDAF on the partner).")
    String transport;

    @Override
    public Integer call() throws Exception {
        ProcessCluster.Naming mode = switch (naming) {
            case "hosts" -> ProcessCluster.Naming.HOSTS;
            case "dns" -> ProcessCluster.Naming.DNS;
            default -> null;
        };
        if (mode == null) {
            System.err.println("demo: --naming must be hosts or dns, not '" + naming + "'");
            return 2;
        }
        if (!disks.equals("file") && !disks.equals("iscsi")) {
            System.err.println("demo: --disks must be file or iscsi, not '" + disks + "'");
            return 2;
        }
        Demo.Result r;
        if (!transport.equals("tcp") && !transport.equals("vi") && !transport.equals("ib")) {
            System.err.println("demo: --transport must be tcp, vi or ib, not '" + transport + "'");
            return 2;
        }
        try (Demo demo = new Demo(System.out, keep, new Demo.Options(mode, disks, transport))) {
            Thread hook = new Thread(demo::close, "demo-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                r = demo.run();
            } catch (IllegalStateException e) {
                System.out.println(e.getMessage());
                System.out.println("demo: FAILED");
                return 1;
            } finally {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        System.out.println();
        System.out.println(r.summary());
        return r.ok() ? 0 : 1;
    }
}
