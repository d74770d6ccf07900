package io.understudy.transport.tcp;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Real certificates for the TLS tests, made once per test JVM by the JDK's own {@code keytool} (the JDK has
 * no public API to sign a certificate): two CAs, servers and clients signed by them, and a self-signed
 * impostor. {@code keytool -genkeypair -signer} (JDK 20+) signs a new key with a CA key in the same store
 * in one run, so the whole set costs seven short keytool runs, three chains in parallel.
 *
 * <p>Every store and key is protected by {@link #PASSWORD}. Files live under {@code target/}.
 */
final class TestPki {

    /** The password of every key store made here. */
    static final String PASSWORD = "changeit-" + Long.toHexString(0x5eedL);

    /** The names the good server certificate carries, as a cluster's FilerB would. */
    static final String SERVER_SANS = "dns:FilerB,dns:FilerA-failover,dns:localhost,ip:127.0.0.1";

    private static TestPki instance;

    final Path dir;
    /** PKCS#12 trust store holding CA 1, which signs the good server and client. */
    final Path trustCa1;
    /** PEM file holding CA 1's certificate. */
    final Path trustCa1Pem;
    /** PKCS#12 trust store holding CA 2, which signs only {@link #otherClient}. */
    final Path trustCa2;
    /** Key store: a server certificate from CA 1 naming {@link #SERVER_SANS}. */
    final Path server;
    /** PEM chain and PKCS#8 key of {@link #server}. */
    final Path serverCertPem;
    final Path serverKeyPem;
    /** Key store: a server certificate from CA 1 naming only elsewhere.example. */
    final Path wrongName;
    /** Key store: a client certificate from CA 1. */
    final Path client;
    /** Key store: a client certificate from CA 2. */
    final Path otherClient;
    /** Key store: a self-signed certificate naming 127.0.0.1 and localhost, signed by no CA anyone trusts. */
    final Path impostor;

    private TestPki(Path dir) {
        this.dir = dir;
        this.trustCa1 = dir.resolve("trust-ca1.p12");
        this.trustCa1Pem = dir.resolve("ca1.pem");
        this.trustCa2 = dir.resolve("trust-ca2.p12");
        this.server = dir.resolve("server.p12");
        this.serverCertPem = dir.resolve("server.crt.pem");
        this.serverKeyPem = dir.resolve("server.key.pem");
        this.wrongName = dir.resolve("wrong-name.p12");
        this.client = dir.resolve("client.p12");
        this.otherClient = dir.resolve("other-client.p12");
        this.impostor = dir.resolve("impostor.p12");
    }

    /** {@return the certificates, made on first use} */
    static synchronized TestPki get() throws Exception {
        if (instance == null) {
            Files.createDirectories(Path.of("target"));
            TestPki p = new TestPki(Files.createTempDirectory(Path.of("target").toAbsolutePath(), "test-pki-"));
            p.make();
            instance = p;
        }
        return instance;
    }

    private void make() throws Exception {
        Path ks1 = dir.resolve("ca1-work.p12");
        Path ks2 = dir.resolve("ca2-work.p12");
        Path ks3 = dir.resolve("impostor-work.p12");
        CompletableFuture<Void> one = CompletableFuture.runAsync(() -> {
            genCa(ks1, "ca1", "CN=Understudy Test CA 1");
            genLeaf(ks1, "server", "CN=FilerB", "ca1", SERVER_SANS);
            genLeaf(ks1, "wrong", "CN=Elsewhere", "ca1", "dns:elsewhere.example");
            genLeaf(ks1, "client", "CN=client-1", "ca1", null);
        });
        CompletableFuture<Void> two = CompletableFuture.runAsync(() -> {
            genCa(ks2, "ca2", "CN=Understudy Test CA 2");
            genLeaf(ks2, "client", "CN=client-of-ca-2", "ca2", null);
        });
        CompletableFuture<Void> three = CompletableFuture.runAsync(() ->
                keytool(ks3, "-genkeypair", "-alias", "impostor", "-keyalg", "EC", "-groupname", "secp256r1",
                        "-dname", "CN=FilerB", "-validity", "2", "-ext", "san=dns:localhost,ip:127.0.0.1"));
        CompletableFuture.allOf(one, two, three).get(120, TimeUnit.SECONDS);

        KeyStore s1 = load(ks1);
        KeyStore s2 = load(ks2);
        KeyStore s3 = load(ks3);
        writeTrust(trustCa1, s1.getCertificate("ca1"));
        writeTrust(trustCa2, s2.getCertificate("ca2"));
        writeKeys(server, s1, "server");
        writeKeys(wrongName, s1, "wrong");
        writeKeys(client, s1, "client");
        writeKeys(otherClient, s2, "client");
        writeKeys(impostor, s3, "impostor");
        Files.writeString(trustCa1Pem, pem("CERTIFICATE", s1.getCertificate("ca1").getEncoded()), StandardCharsets.US_ASCII);
        StringBuilder chain = new StringBuilder();
        for (Certificate c : chainOf(s1, "server")) {
            chain.append(pem("CERTIFICATE", c.getEncoded()));
        }
        Files.writeString(serverCertPem, chain, StandardCharsets.US_ASCII);
        Key key = s1.getKey("server", PASSWORD.toCharArray());
        Files.writeString(serverKeyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
    }

    private static void genCa(Path store, String alias, String dname) {
        keytool(store, "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-validity", "2", "-ext", "bc:c");
    }

    private static void genLeaf(Path store, String alias, String dname, String signer, String sans) {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", dname, "-validity", "2", "-signer", signer, "-signerkeypass", PASSWORD));
        if (sans != null) {
            args.addAll(List.of("-ext", "san=" + sans));
        }
        keytool(store, args.toArray(String[]::new));
    }

    private static void keytool(Path store, String... args) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = new ArrayList<>(List.of(keytool.toString(), "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool did not finish in 60 s: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed (" + p.exitValue() + "): " + cmd + "\n" + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + keytool + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static KeyStore load(Path p) throws IOException, GeneralSecurityException {
        return KeyStore.getInstance(p.toFile(), PASSWORD.toCharArray());
    }

    private static Certificate[] chainOf(KeyStore ks, String alias) throws GeneralSecurityException {
        Certificate[] chain = ks.getCertificateChain(alias);
        if (chain == null || chain.length < 1) {
            throw new IllegalStateException("keytool left no chain for " + alias);
        }
        return chain;
    }

    private static void writeKeys(Path file, KeyStore from, String alias) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", (PrivateKey) from.getKey(alias, PASSWORD.toCharArray()), PASSWORD.toCharArray(), chainOf(from, alias));
        store(ks, file);
    }

    private static void writeTrust(Path file, Certificate ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        store(ks, file);
    }

    private static void store(KeyStore ks, Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, PASSWORD.toCharArray());
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
