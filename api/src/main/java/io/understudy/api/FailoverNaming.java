package io.understudy.api;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A naming convention: how a client computes the failover name of a server from the server's own name
 * (Table 1 of the seed: {@code FilerA} -> {@code FilerA-failover}). Chosen per deployment in
 * configuration; the built-in conventions are {@link #suffix(String)} (the default, {@code -failover}),
 * {@link #prefix(String)} and {@link #template(String)}; code may supply its own with
 * {@link #custom(String, UnaryOperator)}.
 *
 * <p>The built-in conventions change the first label of the name and keep the domain, so
 * {@code filera.example.com} becomes {@code filera-failover.example.com}. The result is validated:
 * a convention that would produce an invalid host name fails with {@link ErrorCode#INVALID_NAMING_CONVENTION}
 * and says which name and why.
 *
 * <p>Implementations must be stateless and thread-safe.
 *
 * @since 0.1
 */
public interface FailoverNaming {

    /** The default convention: append {@code -failover} to the first label. */
    FailoverNaming DEFAULT = suffix("-failover");

    /**
     * {@return the failover name of {@code primary}}
     *
     * @param primary the server's own name, not null
     * @throws UnderstudyException with {@link ErrorCode#INVALID_NAMING_CONVENTION} if the result is not a host name
     */
    ServerName failoverName(ServerName primary);

    /** {@return a short description, such as {@code suffix(-failover)}, for messages and status} */
    String describe();

    /**
     * {@return a convention that appends {@code suffix} to the first label}
     *
     * @param suffix letters, digits and hyphens, not empty
     */
    static FailoverNaming suffix(String suffix) {
        return new Suffix(suffix);
    }

    /**
     * {@return a convention that prepends {@code prefix} to the first label}
     *
     * @param prefix letters, digits and hyphens, not empty
     */
    static FailoverNaming prefix(String prefix) {
        return new Prefix(prefix);
    }

    /**
     * {@return a convention that writes the first label into a template}
     *
     * @param template text containing {@code {name}} exactly once, such as {@code {name}-ha} or
     *                 {@code fo-{name}-b}; the rest letters, digits and hyphens
     */
    static FailoverNaming template(String template) {
        return new Template(template);
    }

    /**
     * {@return a user-defined convention over the whole name; its results are validated}
     *
     * @param description what {@link #describe()} shows
     * @param function    maps the primary name to the failover name, not null
     */
    static FailoverNaming custom(String description, UnaryOperator<String> function) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(function, "function");
        return new FailoverNaming() {
            @Override
            public ServerName failoverName(ServerName primary) {
                return checked(this, primary, function.apply(primary.value()));
            }

            @Override
            public String describe() {
                return "custom(" + description + ")";
            }

            @Override
            public String toString() {
                return describe();
            }
        };
    }

    /**
     * Validates the result of a convention. Exposed for custom conventions that implement this
     * interface directly.
     *
     * @param convention the convention, for the message
     * @param primary    the input name
     * @param result     the computed name
     * @return the result as a server name
     * @throws UnderstudyException with {@link ErrorCode#INVALID_NAMING_CONVENTION} if it is not a host name
     */
    static ServerName checked(FailoverNaming convention, ServerName primary, String result) {
        String problem = ServerName.problemWith(result);
        if (problem != null) {
            throw new UnderstudyException(ErrorCode.INVALID_NAMING_CONVENTION,
                    "naming convention " + convention.describe() + " turned '" + primary + "' into "
                            + ServerName.quote(result) + ", which is not a valid server name: " + problem);
        }
        return new ServerName(result);
    }

    /**
     * Appends text to the first label.
     *
     * @param suffix the text
     */
    record Suffix(String suffix) implements FailoverNaming {
        /** Validates the suffix. */
        public Suffix {
            requireLabelText("suffix", suffix);
        }

        @Override
        public ServerName failoverName(ServerName primary) {
            return checked(this, primary, rewriteFirstLabel(primary, l -> l + suffix));
        }

        @Override
        public String describe() {
            return "suffix(" + suffix + ")";
        }
    }

    /**
     * Prepends text to the first label.
     *
     * @param prefix the text
     */
    record Prefix(String prefix) implements FailoverNaming {
        /** Validates the prefix. */
        public Prefix {
            requireLabelText("prefix", prefix);
        }

        @Override
        public ServerName failoverName(ServerName primary) {
            return checked(this, primary, rewriteFirstLabel(primary, l -> prefix + l));
        }

        @Override
        public String describe() {
            return "prefix(" + prefix + ")";
        }
    }

    /**
     * Writes the first label into a template containing {@code {name}}.
     *
     * @param template the template
     */
    record Template(String template) implements FailoverNaming {
        /** Validates the template. */
        public Template {
            if (template == null || template.indexOf("{name}") < 0
                    || template.indexOf("{name}") != template.lastIndexOf("{name}")) {
                throw new UnderstudyException(ErrorCode.INVALID_NAMING_CONVENTION,
                        "naming template " + ServerName.quote(template) + " must contain {name} exactly once, e.g. {name}-failover");
            }
            String rest = template.replace("{name}", "");
            if (!rest.isEmpty()) {
                requireLabelText("template text", rest);
            }
        }

        @Override
        public ServerName failoverName(ServerName primary) {
            return checked(this, primary, rewriteFirstLabel(primary, l -> template.replace("{name}", l)));
        }

        @Override
        public String describe() {
            return "template(" + template + ")";
        }
    }

    private static String rewriteFirstLabel(ServerName name, UnaryOperator<String> f) {
        String v = name.value();
        int dot = v.indexOf('.');
        return dot < 0 ? f.apply(v) : f.apply(v.substring(0, dot)) + v.substring(dot);
    }

    private static void requireLabelText(String what, String text) {
        if (text == null || text.isEmpty()) {
            throw new UnderstudyException(ErrorCode.INVALID_NAMING_CONVENTION,
                    "naming convention " + what + " must not be " + (text == null ? "null" : "empty") + "; e.g. -failover");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                throw new UnderstudyException(ErrorCode.INVALID_NAMING_CONVENTION,
                        "naming convention " + what + " '" + text + "' has " + (c == ' ' ? "a space" : "'" + c + "'")
                                + " at offset " + i + "; only letters, digits and '-' can go into a host-name label");
            }
        }
    }
}
