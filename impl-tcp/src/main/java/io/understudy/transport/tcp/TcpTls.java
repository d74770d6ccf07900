package io.understudy.transport.tcp;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.Option;
import io.understudy.api.spi.ProviderContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS settings of one TCP transport, loaded once when it opens: the JSSE context built from the key
 * and trust material the {@code tcp.tls.*} options name, and the socket parameters. Files are read and
 * checked here, so a missing file or a wrong password fails at open, naming the option and the file.
 *
 * <p>Sockets are layered: the plain socket of a connected {@link java.nio.channels.SocketChannel} is
 * wrapped by an {@link SSLSocket}, which reads and writes through it. Socket timeouts set on the TLS
 * socket reach the plain one, and closing the channel closes both.
 */
final class TcpTls {

    /**
     * The byte a TLS listener sends once it has accepted a client's handshake. TLS 1.3 lets the client
     * finish its side of the handshake before the server has checked the client's certificate; waiting
     * for this byte lets {@code connect} report a refused client certificate, instead of the first receive.
     */
    static final int ACCEPTED = 0x55;

    private final SSLContext context;
    private final boolean hasKey;
    private final TcpOptions.ClientAuth clientAuth;
    private final String[] protocols;
    private final String peerName;
    private final boolean verifyPeerName;
    private final Duration handshakeTimeout;

    private TcpTls(SSLContext context, boolean hasKey, TcpOptions.ClientAuth clientAuth, String[] protocols,
            String peerName, boolean verifyPeerName, Duration handshakeTimeout) {
        this.context = context;
        this.hasKey = hasKey;
        this.clientAuth = clientAuth;
        this.protocols = protocols;
        this.peerName = peerName;
        this.verifyPeerName = verifyPeerName;
        this.handshakeTimeout = handshakeTimeout;
    }

    /**
     * {@return the TLS settings in {@code ctx}, or null when {@code tcp.tls} is off}
     *
     * @throws UnderstudyException {@code INVALID_CONFIGURATION} naming the option (and file) at fault
     */
    static TcpTls load(ProviderContext ctx) {
        List<Option<?>> fileOptions = List.of(TcpOptions.TLS_KEY_STORE, TcpOptions.TLS_CERTIFICATE, TcpOptions.TLS_PRIVATE_KEY,
                TcpOptions.TLS_TRUST_STORE);
        if (!ctx.option(TcpOptions.TLS)) {
            for (Option<?> o : fileOptions) {
                if (!ctx.option(o).toString().isEmpty()) {
                    throw invalid("option " + o.name() + " is set but " + TcpOptions.TLS.name() + " is off, so it would be ignored"
                            + " and connections would be plain TCP; set " + TcpOptions.TLS.name() + ": on, or remove " + o.name());
                }
            }
            return null;
        }
        String keyStore = ctx.option(TcpOptions.TLS_KEY_STORE);
        String certificate = ctx.option(TcpOptions.TLS_CERTIFICATE);
        String privateKey = ctx.option(TcpOptions.TLS_PRIVATE_KEY);
        if (!keyStore.isEmpty() && !certificate.isEmpty()) {
            throw invalid("options " + TcpOptions.TLS_KEY_STORE.name() + " and " + TcpOptions.TLS_CERTIFICATE.name()
                    + " are both set; give this node's key either as a PKCS#12 key store or as PEM files, not both");
        }
        if (certificate.isEmpty() != privateKey.isEmpty()) {
            throw invalid("option " + (certificate.isEmpty() ? TcpOptions.TLS_PRIVATE_KEY.name() : TcpOptions.TLS_CERTIFICATE.name())
                    + " is set without " + (certificate.isEmpty() ? TcpOptions.TLS_CERTIFICATE.name() : TcpOptions.TLS_PRIVATE_KEY.name())
                    + "; PEM key material needs both the certificate chain and its private key");
        }
        KeyStore keys = null;
        char[] keyPassword;
        if (!keyStore.isEmpty()) {
            keyPassword = ctx.option(TcpOptions.TLS_KEY_STORE_PASSWORD).toCharArray();
            keys = keyStore(TcpOptions.TLS_KEY_STORE, keyStore, TcpOptions.TLS_KEY_STORE_PASSWORD, keyPassword);
            if (!hasEntry(keys, true)) {
                throw invalid("option " + TcpOptions.TLS_KEY_STORE.name() + ": " + keyStore + " holds no private key entry;"
                        + " it must hold this node's key and certificate chain (a trust store goes in " + TcpOptions.TLS_TRUST_STORE.name() + ")");
            }
        } else if (!certificate.isEmpty()) {
            keyPassword = new char[0];
            keys = pemKeys(certificate, privateKey, keyPassword);
        } else {
            keyPassword = new char[0];
        }
        KeyManager[] keyManagers = null;
        try {
            if (keys != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, keyPassword);
                keyManagers = kmf.getKeyManagers();
            }
        } catch (UnrecoverableKeyException e) {
            throw invalid("option " + TcpOptions.TLS_KEY_STORE.name() + ": cannot read the private key in " + keyStore
                    + " with " + TcpOptions.TLS_KEY_STORE_PASSWORD.name() + " (" + e.getMessage() + "); the key's password must be the store's", e);
        } catch (GeneralSecurityException e) {
            throw invalid("option " + TcpOptions.TLS_KEY_STORE.name() + ": cannot use the key in " + keyStore + ": " + e, e);
        }

        String trust = ctx.option(TcpOptions.TLS_TRUST_STORE);
        SSLContext sslContext;
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust.isEmpty() ? null : trustStore(trust, ctx.option(TcpOptions.TLS_TRUST_STORE_PASSWORD).toCharArray()));
            sslContext = SSLContext.getInstance("TLS");
            sslContext.init(keyManagers, tmf.getTrustManagers(), null);
        } catch (GeneralSecurityException e) {
            throw invalid("cannot set up TLS with " + TcpOptions.TLS_TRUST_STORE.name() + " " + (trust.isEmpty() ? "(the JDK default)" : trust)
                    + ": " + e, e);
        }

        List<String> wanted = ctx.option(TcpOptions.TLS_PROTOCOLS);
        List<String> supported = Arrays.asList(sslContext.getSupportedSSLParameters().getProtocols());
        for (String p : wanted) {
            if (!supported.contains(p)) {
                throw invalid("option " + TcpOptions.TLS_PROTOCOLS.name() + ": this JDK does not support '" + p + "'; it supports "
                        + supported);
            }
        }
        Duration handshake = ctx.option(TcpOptions.TLS_HANDSHAKE_TIMEOUT);
        if (handshake.isZero() || handshake.isNegative()) {
            throw invalid("option " + TcpOptions.TLS_HANDSHAKE_TIMEOUT.name() + " is " + handshake + "; expected a positive duration such as 10s");
        }
        return new TcpTls(sslContext, keys != null, ctx.option(TcpOptions.TLS_CLIENT_AUTH), wanted.toArray(String[]::new),
                ctx.option(TcpOptions.TLS_PEER_NAME).trim(), ctx.option(TcpOptions.TLS_VERIFY_PEER_NAME), handshake);
    }

    /** {@return whether this node has a key and certificate to present} */
    boolean hasKey() {
        return hasKey;
    }

    /** {@return how long a listener waits for a client's handshake} */
    Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** {@return the name a client checks the server's certificate against, for a connection to {@code remote}} */
    String expectedName(InetSocketAddress remote) {
        // getHostString never looks a name up: it is the name the resolver attached to the address, or the literal.
        return peerName.isEmpty() ? remote.getHostString() : peerName;
    }

    /** {@return a client-mode TLS socket over the connected {@code plain} socket; no handshake yet} */
    SSLSocket client(Socket plain, InetSocketAddress remote) throws IOException {
        String name = expectedName(remote);
        SSLSocketFactory f = context.getSocketFactory();
        SSLSocket s = (SSLSocket) f.createSocket(plain, name, remote.getPort(), true);
        s.setUseClientMode(true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(protocols);
        if (verifyPeerName) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (!isLiteral(name)) {
            try {
                p.setServerNames(List.of(new SNIHostName(name)));
            } catch (IllegalArgumentException notAnSniName) {
                // SNI is a hint to the server; a name it cannot carry is still checked against the certificate.
            }
        }
        s.setSSLParameters(p);
        return s;
    }

    /** {@return a server-mode TLS socket over the accepted {@code plain} socket; no handshake yet} */
    SSLSocket server(Socket plain) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, plain.getInetAddress().getHostAddress(),
                plain.getPort(), true);
        s.setUseClientMode(false);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(protocols);
        switch (clientAuth) {
            case NEED -> p.setNeedClientAuth(true);
            case WANT -> p.setWantClientAuth(true);
            case NONE -> p.setNeedClientAuth(false);
        }
        s.setSSLParameters(p);
        return s;
    }

    /** {@return a sentence explaining a failed handshake, for the error message} */
    static String explain(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank() && parts.stream().noneMatch(m::contains)) {
                parts.add(m);
            }
        }
        String all = String.join(": ", parts);
        String hint = "";
        if (all.contains("PKIX path") || all.contains("unable to find valid certification path")) {
            hint = "; the peer's certificate is not signed by a CA in " + TcpOptions.TLS_TRUST_STORE.name();
        } else if (all.contains("No subject alternative") || all.contains("No name matching")) {
            hint = "; the server's certificate does not name the host connected to: give it a subject alternative name for every"
                    + " name clients use (such as FilerB and FilerA-failover), or set " + TcpOptions.TLS_PEER_NAME.name();
        } else if (all.contains("certificate_required") || all.contains("bad_certificate") || all.contains("Empty client certificate")
                || all.contains("certificate_unknown")) {
            hint = "; the peer refused the certificate presented (or the lack of one): check " + TcpOptions.TLS_CLIENT_AUTH.name()
                    + ", " + TcpOptions.TLS_KEY_STORE.name() + " and the peer's " + TcpOptions.TLS_TRUST_STORE.name();
        } else if (all.contains("Unsupported or unrecognized SSL message") || all.contains("plaintext")) {
            hint = "; the peer is not speaking TLS: both sides need the same " + TcpOptions.TLS.name();
        } else if (all.contains("protocol_version") || all.contains("No appropriate protocol")) {
            hint = "; no protocol version in common: compare both sides' " + TcpOptions.TLS_PROTOCOLS.name();
        }
        return (all.isEmpty() ? e.getClass().getSimpleName() : all) + hint;
    }

    /** {@return whether {@code e}, or a cause, is a socket timeout} */
    static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** {@return whether {@code e} comes from TLS rather than the plain socket} */
    static boolean isTls(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    // ---- loading files ----

    private static KeyStore keyStore(Option<String> option, String file, Option<String> passwordOption, char[] password) {
        Path path = readable(option, file);
        try {
            return KeyStore.getInstance(path.toFile(), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw invalid("option " + option.name() + ": cannot open " + file + " with the password in " + passwordOption.name()
                        + " (wrong password?): " + e.getMessage(), e);
            }
            throw invalid("option " + option.name() + ": cannot read " + file + " as a PKCS#12 or JKS key store: " + e, e);
        } catch (GeneralSecurityException e) {
            throw invalid("option " + option.name() + ": " + file + " is not a PKCS#12 or JKS key store (" + e.getMessage() + ")", e);
        }
    }

    private static KeyStore trustStore(String file, char[] password) {
        Path path = readable(TcpOptions.TLS_TRUST_STORE, file);
        KeyStore ks;
        if (isPem(path)) {
            List<Certificate> certs = pemCertificates(TcpOptions.TLS_TRUST_STORE, file);
            try {
                ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                for (int i = 0; i < certs.size(); i++) {
                    ks.setCertificateEntry("ca-" + i, certs.get(i));
                }
            } catch (GeneralSecurityException | IOException e) {
                throw new AssertionError("an empty in-memory key store accepts certificates", e);
            }
        } else {
            ks = keyStore(TcpOptions.TLS_TRUST_STORE, file, TcpOptions.TLS_TRUST_STORE_PASSWORD, password);
        }
        if (!hasEntry(ks, false)) {
            throw invalid("option " + TcpOptions.TLS_TRUST_STORE.name() + ": " + file + " holds no trusted certificate entry;"
                    + " it must hold the certificate of the CA that signs the peers' certificates");
        }
        return ks;
    }

    private static KeyStore pemKeys(String certificateFile, String keyFile, char[] password) {
        List<Certificate> chain = pemCertificates(TcpOptions.TLS_CERTIFICATE, certificateFile);
        PrivateKey key = pemPrivateKey(keyFile);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("node", key, password, chain.toArray(Certificate[]::new));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw invalid("options " + TcpOptions.TLS_CERTIFICATE.name() + " and " + TcpOptions.TLS_PRIVATE_KEY.name() + ": the key in "
                    + keyFile + " does not go with the certificate chain in " + certificateFile + ": " + e, e);
        }
    }

    private static List<Certificate> pemCertificates(Option<String> option, String file) {
        Path path = readable(option, file);
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(path)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | GeneralSecurityException e) {
            throw invalid("option " + option.name() + ": cannot read certificates from " + file + ": " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw invalid("option " + option.name() + ": " + file + " holds no certificate; expected PEM blocks"
                    + " -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----");
        }
        return new ArrayList<>(certs);
    }

    private static PrivateKey pemPrivateKey(String file) {
        Option<String> option = TcpOptions.TLS_PRIVATE_KEY;
        Path path = readable(option, file);
        String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw invalid("option " + option.name() + ": cannot read " + file + ": " + e, e);
        }
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            String found = text.contains("-----BEGIN ") ? " it has " + text.substring(text.indexOf("-----BEGIN "),
                    Math.min(text.length(), text.indexOf("-----BEGIN ") + 40)).lines().findFirst().orElse("") : " it has no PEM block";
            throw invalid("option " + option.name() + ": " + file + " is not an unencrypted PKCS#8 PEM key (" + begin + ");" + found
                    + "; convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out " + file);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException bad) {
            throw invalid("option " + option.name() + ": the PEM block in " + file + " is not valid base64: " + bad.getMessage(), bad);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | IllegalArgumentException tryNext) {
                // Not this algorithm.
            }
        }
        throw invalid("option " + option.name() + ": the key in " + file + " is not an RSA, EC, Ed25519, Ed448 or RSASSA-PSS PKCS#8 key");
    }

    private static Path readable(Option<String> option, String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw invalid("option " + option.name() + ": " + file + (Files.exists(path) ? " is not a regular file" : " does not exist")
                    + " (working directory " + Path.of("").toAbsolutePath() + ")");
        }
        if (!Files.isReadable(path)) {
            throw invalid("option " + option.name() + ": " + file + " is not readable by this process");
        }
        return path;
    }

    private static boolean isPem(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(4096);
            return new String(head, StandardCharsets.ISO_8859_1).contains("-----BEGIN ");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasEntry(KeyStore ks, boolean key) {
        try {
            for (String alias : Collections.list(ks.aliases())) {
                if (key ? ks.isKeyEntry(alias) : ks.isCertificateEntry(alias)) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean isLiteral(String name) {
        return name.indexOf(':') >= 0 || name.matches("[0-9.]+");
    }

    private static UnderstudyException invalid(String message) {
        return new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, message);
    }

    private static UnderstudyException invalid(String message, Throwable cause) {
        return new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, message, cause);
    }
}
