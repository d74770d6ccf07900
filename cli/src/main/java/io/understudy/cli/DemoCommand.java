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

    @Option(names = "--transport", defaultValue = "tcp", paramLabel = "ID",
            description = "The data-access transport: tcp (default) or vi (the VI emulation over shared memory; clients connect to discriminator pDAF on the partner).")
    String transport;

    @Override
    public Integer call() throws Exception {
        Demo.Result r;
        try (Demo demo = new Demo(System.out, keep, transport)) {
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
