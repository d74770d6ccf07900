package io.understudy.naming.hosts;

import io.understudy.api.ServerName;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.NameResolverProvider;
import io.understudy.testkit.AbstractNameResolverTest;
import io.understudy.testkit.ManualClock;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The naming conformance suite against a real hosts file on disk. */
class HostsFileResolverTest extends AbstractNameResolverTest {

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();

    @Override
    protected NameResolverProvider provider() {
        return new HostsFileResolverProvider();
    }

    /** Writes the records the way people write hosts files: comments, tabs, aliases, other names around them. */
    @Override
    protected NameResolver open(Map<ServerName, List<InetAddress>> records) throws IOException {
        StringBuilder sb = new StringBuilder("# hosts written by ").append(getClass().getSimpleName()).append('\n')
                .append("127.0.0.1\tlocalhost localhost.localdomain\n")
                .append("::1     localhost ip6-localhost ip6-loopback\n\n");
        records.forEach((name, addresses) -> {
            for (InetAddress a : addresses) {
                sb.append(a.getHostAddress()).append("\t ").append(name).append("   # ").append(name).append('\n');
            }
        });
        Path file = Files.createTempFile(dir, "hosts", "");
        Files.writeString(file, sb);
        return provider().open(ProviderContext.builder().clock(clock).option(HostsOptions.FILE, file).build());
    }
}
