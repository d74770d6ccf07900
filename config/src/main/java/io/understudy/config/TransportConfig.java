package io.understudy.config;

import io.understudy.api.DataAccessPort;
import io.understudy.api.spi.ProviderContext;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The data path's transport (the {@code transport} section): which provider, the number each data-access
 * port name maps to (a TCP port, a VI discriminator, an RDMA CM port), the timeouts the engines apply,
 * and the provider's own options. The port <em>names</em> are what never move; this mapping is how one
 * transport reaches them.
 *
 * <p>Whether a provider with the configured id is installed is the registry's question at run time, not the
 * configuration's; the configuration checks only that the id is well formed.
 *
 * <p>Immutable and thread-safe. No component is null.
 *
 * @param provider       the transport provider id, such as {@code tcp}; empty to let the registry choose by priority
 * @param ports          data-access port -> number (1-65535), in configuration order; numbers unique. When
 *                       loaded, the defaults ({@code DAFS: 7000}, {@code pDAF: 7001}) are merged under the
 *                       configured entries
 * @param connectTimeout how long a connect may take, positive; default 2s
 * @param requestTimeout how long a request may wait for its reply, positive; default 5s
 * @param options        provider options as text, by {@link io.understudy.api.spi.Option} name ({@code tcp.maxFrameSize})
 * @since 0.1
 */
public record TransportConfig(Optional<String> provider, Map<DataAccessPort, Integer> ports,
                              Duration connectTimeout, Duration requestTimeout, Map<String, String> options) {

    /** The default port mapping: {@code DAFS} 7000, {@code pDAF} 7001. */
    public static final Map<DataAccessPort, Integer> DEFAULT_PORTS = defaultPorts();
    /** Default of {@code transport.connectTimeout}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Default of {@code transport.requestTimeout}. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Validates the values.
     *
     * @throws InvalidConfigurationException naming the key ({@code transport.…}) and the reason
     */
    public TransportConfig {
        Checks.required("transport.provider", provider).ifPresent(id -> Checks.id("transport.provider", id));
        Checks.required("transport.ports", ports);
        Map<DataAccessPort, Integer> copy = new LinkedHashMap<>();
        Map<Integer, DataAccessPort> byNumber = new HashMap<>();
        ports.forEach((port, number) -> {
            if (port == null) {
                throw Checks.problem("transport.ports", "has a null port name");
            }
            String path = Paths.key("transport.ports", port.name());
            Checks.required(path, number);
            Checks.range(path, number, 1, 65535, "a port number");
            DataAccessPort other = byNumber.putIfAbsent(number, port);
            if (other != null) {
                throw Checks.problem(path, number + " is also the number of " + other
                        + "; each data-access port needs its own number");
            }
            copy.put(port, number);
        });
        ports = Collections.unmodifiableMap(copy);
        Checks.positive("transport.connectTimeout", connectTimeout);
        Checks.positive("transport.requestTimeout", requestTimeout);
        options = Checks.options("transport.options", options);
    }

    private static Map<DataAccessPort, Integer> defaultPorts() {
        Map<DataAccessPort, Integer> m = new LinkedHashMap<>();
        m.put(DataAccessPort.DAFS, 7000);
        m.put(DataAccessPort.PDAF, 7001);
        return Collections.unmodifiableMap(m);
    }

    /** {@return the configuration used when the {@code transport} section is absent} */
    public static TransportConfig defaults() {
        return new TransportConfig(Optional.empty(), DEFAULT_PORTS, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, Map.of());
    }

    /**
     * {@return the number mapped to {@code port}, if any}
     *
     * @param port the data-access port, not null
     */
    public OptionalInt portNumber(DataAccessPort port) {
        Integer n = ports.get(port);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /**
     * {@return a context builder holding the port numbers and the options as text settings}
     * The caller adds the clock, executor and node name and builds it.
     */
    public ProviderContext.Builder contextBuilder() {
        return ProviderContext.builder().portNumbers(ports).settings(options);
    }

    /** {@return a provider context with the port numbers, the options as text settings, and the SDK's default clock and executor} */
    public ProviderContext providerContext() {
        return contextBuilder().build();
    }

    /**
     * {@return a provider context for a transport running in the node {@code nodeName}}
     *
     * @param nodeName the node's name, such as {@code FilerA}, not null
     */
    public ProviderContext providerContext(String nodeName) {
        return contextBuilder().nodeName(Checks.required("nodeName", nodeName)).build();
    }
}
