package io.understudy.api.spi;

import io.understudy.api.Clock;
import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executor;

/**
 * What the SDK hands a provider when it opens a service: the clock, an executor for blocking work, the
 * data-access port mapping and typed options. It is one parameter object so the SPIs can grow without
 * breaking plugins. Built by the SDK (or by tests through {@link #builder()}); immutable and thread-safe.
 *
 * @since 0.1
 */
public final class ProviderContext {

    private final Clock clock;
    private final Executor executor;
    private final String nodeName;
    private final Map<DataAccessPort, Integer> portNumbers;
    private final Map<String, String> settings;
    private final Map<String, Object> typed;

    private ProviderContext(Builder b) {
        this.clock = b.clock;
        this.executor = b.executor;
        this.nodeName = b.nodeName;
        this.portNumbers = Map.copyOf(b.portNumbers);
        this.settings = Map.copyOf(b.settings);
        this.typed = Map.copyOf(b.typed);
    }

    /** {@return a builder with the system clock, a virtual-thread executor and no options} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a context with defaults only} */
    public static ProviderContext defaults() {
        return builder().build();
    }

    /** {@return the clock to use for all time decisions} */
    public Clock clock() {
        return clock;
    }

    /** {@return the executor for blocking work; by default one virtual thread per task} */
    public Executor executor() {
        return executor;
    }

    /** {@return the name of the node this provider serves, if it runs in a node} */
    public Optional<String> nodeName() {
        return Optional.ofNullable(nodeName);
    }

    /**
     * {@return the number a transport uses for a data-access port (a TCP port, an RDMA CM port), if configured}
     *
     * @param port the data-access port
     */
    public OptionalInt portNumber(DataAccessPort port) {
        Integer n = portNumbers.get(port);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /** {@return the whole port mapping} */
    public Map<DataAccessPort, Integer> portNumbers() {
        return portNumbers;
    }

    /**
     * {@return the value of a typed option: set in code, else parsed from configuration text, else its default}
     *
     * @param option the key
     * @param <T>    the value type
     * @throws UnderstudyException with {@link ErrorCode#INVALID_CONFIGURATION} if the configured text is bad
     */
    public <T> T option(Option<T> option) {
        Object v = typed.get(option.name());
        if (v != null) {
            @SuppressWarnings("unchecked")
            T t = (T) v;
            return t;
        }
        String text = settings.get(option.name());
        return text == null ? option.defaultValue() : option.parse(text);
    }

    /** {@return the raw text settings from configuration, by key} */
    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public String toString() {
        return "ProviderContext{node=" + nodeName + ", ports=" + portNumbers + ", settings=" + settings.keySet()
                + ", options=" + typed.keySet() + "}";
    }

    /** Builds a {@link ProviderContext}. Not thread-safe. */
    public static final class Builder {
        private Clock clock = Clock.system();
        private Executor executor = DefaultExecutor.INSTANCE;
        private String nodeName;
        private final Map<DataAccessPort, Integer> portNumbers = new LinkedHashMap<>();
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final Map<String, Object> typed = new HashMap<>();

        private Builder() {
        }

        /**
         * Sets the clock.
         *
         * @param clock the clock
         * @return this
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the executor.
         *
         * @param executor the executor
         * @return this
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Sets the node name.
         *
         * @param nodeName the name, or null
         * @return this
         */
        public Builder nodeName(String nodeName) {
            this.nodeName = nodeName;
            return this;
        }

        /**
         * Maps a data-access port to a transport number.
         *
         * @param port   the port
         * @param number 1 to 65535
         * @return this
         */
        public Builder portNumber(DataAccessPort port, int number) {
            if (number < 1 || number > 65535) {
                throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                        "port number " + number + " for data-access port " + port + " is out of range; expected 1-65535");
            }
            portNumbers.put(Objects.requireNonNull(port, "port"), number);
            return this;
        }

        /**
         * Maps several data-access ports.
         *
         * @param numbers the mapping
         * @return this
         */
        public Builder portNumbers(Map<DataAccessPort, Integer> numbers) {
            numbers.forEach(this::portNumber);
            return this;
        }

        /**
         * Adds a raw text setting, parsed when a provider asks for its typed option.
         *
         * @param key   the option name
         * @param value the text
         * @return this
         */
        public Builder setting(String key, String value) {
            settings.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Adds raw text settings.
         *
         * @param values the settings
         * @return this
         */
        public Builder settings(Map<String, String> values) {
            values.forEach(this::setting);
            return this;
        }

        /**
         * Sets a typed option.
         *
         * @param option the key
         * @param value  the value
         * @param <T>    the value type
         * @return this
         */
        public <T> Builder option(Option<T> option, T value) {
            typed.put(option.name(), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** {@return the context} */
        public ProviderContext build() {
            return new ProviderContext(this);
        }
    }

    private static final class DefaultExecutor implements Executor {
        static final DefaultExecutor INSTANCE = new DefaultExecutor();

        @Override
        public void execute(Runnable command) {
            Thread.ofVirtual().name("understudy-", 0).start(command);
        }
    }
}
