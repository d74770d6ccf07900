package io.understudy.transport.ib;

import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.IbEndpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The InfiniBand verbs transport: id {@value #ID}, priority {@value #PRIORITY}, reaches {@link IbEndpoint}s
 * (by GID) and {@link InetEndpoint}s (IP addresses, as the RDMA connection manager resolves them).
 *
 * <p>Frames travel over reliable-connected queue pairs as one or more messages, each in a registered buffer
 * of {@link IbOptions#BUFFER_SIZE} bytes; every connection posts {@link IbOptions#RECEIVE_DEPTH} receives,
 * and a sender spends one credit per message and gets credits back with the peer's messages or in explicit
 * credit messages, so it never sends into a queue pair without a posted receive. A data-access port maps to
 * the port number in {@link ProviderContext#portNumber}, used in the RDMA CM port space.
 *
 * <p><b>Which verbs run.</b> The native verbs (libibverbs and librdmacm) are probed once, lazily, and never
 * throw: available only when both libraries load, the ABI check passes and at least one RDMA device opens,
 * else unavailable with the reason (see the module's README). The software verbs (Java, within one JVM) run only where allowed:
 * {@link IbOptions#SOFTWARE} {@code true}, or {@code auto} when the native verbs are unavailable.
 * {@link #availability()} and {@link #implementation()} follow the system property
 * {@value IbOptions#SOFTWARE_PROPERTY}, which is also the option's default; {@link #toString()} and every
 * opened transport say which implementation runs.
 *
 * <p>Found by {@link java.util.ServiceLoader}; the public no-argument constructor does no I/O. Thread-safe.
 *
 * @since 0.1
 */
public final class IbTransportProvider extends TransportProvider {

    /** The id, {@value}. */
    public static final String ID = "ib";
    /** The priority, {@value}: below {@code tcp} (5), so InfiniBand is used when selected by id. */
    public static final int PRIORITY = 4;

    private final Supplier<IbOptions.Software> policy;
    private final Supplier<Availability> nativeAvailability;
    private final Supplier<Verbs> nativeVerbs;

    /**
     * Creates the provider; does no I/O (the native probe runs on first use). Its software policy is the system
     * property {@value IbOptions#SOFTWARE_PROPERTY}, read at each call, so a process that sets it after the
     * registry loaded (as {@code understudy demo --transport ib} does) is followed.
     */
    public IbTransportProvider() {
        this(IbOptions.Software::fromSystemProperty, () -> NativeVerbs.probe().availability(), () -> NativeVerbs.probe().verbs());
    }

    /** For tests: a given software policy and native probe (no native verbs to run). */
    IbTransportProvider(IbOptions.Software policy, Supplier<Availability> nativeAvailability) {
        this(policy, nativeAvailability, () -> null);
    }

    /** For tests: a given software policy, native probe and native verbs. */
    IbTransportProvider(IbOptions.Software policy, Supplier<Availability> nativeAvailability, Supplier<Verbs> nativeVerbs) {
        this(constant(Objects.requireNonNull(policy, "policy")), nativeAvailability, nativeVerbs);
    }

    private IbTransportProvider(Supplier<IbOptions.Software> policy, Supplier<Availability> nativeAvailability,
            Supplier<Verbs> nativeVerbs) {
        this.policy = policy;
        this.nativeAvailability = Objects.requireNonNull(nativeAvailability, "nativeAvailability");
        this.nativeVerbs = Objects.requireNonNull(nativeVerbs, "nativeVerbs");
    }

    private static Supplier<IbOptions.Software> constant(IbOptions.Software policy) {
        return () -> policy;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    /**
     * {@return available if the verbs this provider's policy allows can run} Unavailable names the native
     * verbs' reason and how to allow the software verbs. Never throws.
     */
    @Override
    public Availability availability() {
        return choose(policy.get()).availability;
    }

    /** {@return which verbs an opened transport runs on: {@code native}, {@code software} or {@code none}} */
    public String implementation() {
        Choice c = choose(policy.get());
        return c.verbs == null ? "none" : c.verbs.implementation();
    }

    /** {@return {@code IbEndpoint} and {@code InetEndpoint}} */
    @Override
    public Set<Class<? extends Endpoint>> endpointTypes() {
        return Set.of(IbEndpoint.class, InetEndpoint.class);
    }

    /**
     * Opens a transport; allocates a protection domain, binds nothing yet.
     *
     * @param context the SDK's context, not null
     * @return a new, independent transport
     * @throws UnderstudyException {@code INVALID_CONFIGURATION} if an option is invalid,
     *                             {@code PROVIDER_UNAVAILABLE} if the allowed verbs cannot run here
     */
    @Override
    public Transport open(ProviderContext context) {
        Objects.requireNonNull(context, "context");
        IbOptions.Software asked = context.option(IbOptions.SOFTWARE);
        // An unset option carries the system property's value; this provider's own policy then decides.
        IbOptions.Software effective = asked == IbOptions.SOFTWARE.defaultValue() ? policy.get() : asked;
        int maxFrame = context.option(IbOptions.MAX_FRAME_SIZE);
        check(maxFrame >= 0 && maxFrame <= IbOptions.LIMIT_MAX_FRAME_SIZE, IbOptions.MAX_FRAME_SIZE.name(), maxFrame,
                "0 to " + IbOptions.LIMIT_MAX_FRAME_SIZE);
        int buffer = context.option(IbOptions.BUFFER_SIZE);
        check(buffer >= 64 && buffer <= 1 << 20, IbOptions.BUFFER_SIZE.name(), buffer, "64 to 1048576");
        int depth = context.option(IbOptions.RECEIVE_DEPTH);
        check(depth >= 2 && depth <= 1024, IbOptions.RECEIVE_DEPTH.name(), depth, "2 to 1024");
        Duration cap = context.option(IbOptions.CONNECT_TIMEOUT);
        check(!cap.isNegative() && !cap.isZero(), IbOptions.CONNECT_TIMEOUT.name(), cap, "a positive duration such as 30s");
        String bind = context.option(IbOptions.BIND_ADDRESS);
        IbOptions.Fabric fabric = context.option(IbOptions.FABRIC);
        if (fabric == IbOptions.Fabric.TCP && bind.equals(IbOptions.DEFAULT_BIND_ADDRESS)) {
            bind = "127.0.0.1"; // unset: the default GID means nothing to the tcp fabric
        }
        Choice c = choose(effective);
        if (c.verbs == SoftwareVerbs.SHARED && fabric == IbOptions.Fabric.TCP) {
            c = new Choice(new TcpVerbs(), c.availability);
        }
        if (c.verbs == null) {
            throw new UnderstudyException(ErrorCode.PROVIDER_UNAVAILABLE, "the ib transport cannot run here: " + c.availability);
        }
        return new IbTransport(context, c.verbs, c.verbs.allocateDomain(bind), bind, maxFrame, buffer, depth, cap);
    }

    @Override
    public String toString() {
        return super.toString() + " [verbs: " + implementation() + "]";
    }

    private record Choice(Verbs verbs, Availability availability) {
    }

    private Choice choose(IbOptions.Software p) {
        if (p == IbOptions.Software.TRUE) {
            return new Choice(SoftwareVerbs.SHARED, Availability.available());
        }
        Availability nat = nativeAvailability.get();
        if (nat.isAvailable()) {
            Verbs v = nativeVerbs.get();
            return v == null ? new Choice(null, Availability.unavailable("the native verbs probe passed but bound no verbs"))
                    : new Choice(v, Availability.available());
        }
        if (p == IbOptions.Software.AUTO) {
            return new Choice(SoftwareVerbs.SHARED, Availability.available());
        }
        String reason = nat instanceof Availability.Unavailable u ? u.reason() : String.valueOf(nat);
        return new Choice(null, Availability.unavailable("native verbs: " + reason + "; the software verbs run only where"
                + " allowed (ib.software=true or auto, or -D" + IbOptions.SOFTWARE_PROPERTY + "=auto)"));
    }

    private static void check(boolean ok, String name, Object value, String expected) {
        if (!ok) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + name + " is " + value + "; expected " + expected);
        }
    }
}
