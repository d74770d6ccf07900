package io.understudy.cluster;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a node authenticates its interconnect and its admin endpoint: either an HMAC-SHA256 key shared by
 * both nodes of the pair (and by the operators' {@code understudy} commands), with the largest clock skew
 * tolerated between them, or {@link #none()}.
 *
 * <p>With a key, every interconnect message and every admin request carries a tag over all of its bytes
 * and a domain-separation label, a sender epoch and sequence number (or a nonce) and the send time; the
 * receiver rejects a message whose tag does not verify, that repeats one already seen, or that was sent
 * further than {@link #maxClockSkew()} from the receiver's clock. See {@code docs/SECURITY.md}.
 *
 * <p>Immutable and thread-safe. The key bytes never leave this object.
 *
 * @since 0.1
 */
public final class InterconnectSecurity {

    /** The smallest key accepted, in bytes. */
    public static final int MIN_KEY_BYTES = 32;

    /** The default of {@code cluster.interconnect.maxClockSkew}. */
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofSeconds(30);

    /** How to make a key, for error messages. */
    public static final String HOW_TO_MAKE_A_KEY =
            "make one with `head -c 32 /dev/urandom | base64 > cluster.key && chmod 600 cluster.key`";

    static final int TAG_BYTES = 32;
    static final int KEY_ID_BYTES = 4;
    private static final String ALGORITHM = "HmacSHA256";
    private static final InterconnectSecurity NONE = new InterconnectSecurity(null, DEFAULT_MAX_CLOCK_SKEW);

    private final SecretKeySpec key;
    private final byte[] keyId;
    private final Duration maxClockSkew;

    private InterconnectSecurity(byte[] key, Duration maxClockSkew) {
        this.key = key == null ? null : new SecretKeySpec(key, ALGORITHM);
        this.keyId = key == null ? new byte[KEY_ID_BYTES] : keyId(key);
        this.maxClockSkew = maxClockSkew;
    }

    /** {@return no authentication: anyone who reaches the interconnect or admin port is believed} */
    public static InterconnectSecurity none() {
        return NONE;
    }

    /**
     * HMAC-SHA256 with a shared key.
     *
     * @param key          the key, at least {@value #MIN_KEY_BYTES} bytes (copied)
     * @param maxClockSkew the largest difference tolerated between a message's send time and the receiver's
     *                     clock, positive
     * @return the security
     * @throws UnderstudyException {@link ErrorCode#INVALID_CONFIGURATION} if the key is too short or the skew
     *                             not positive
     */
    public static InterconnectSecurity hmacSha256(byte[] key, Duration maxClockSkew) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(maxClockSkew, "maxClockSkew");
        if (key.length < MIN_KEY_BYTES) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "the interconnect key has " + key.length
                    + " bytes; expected at least " + MIN_KEY_BYTES + ": " + HOW_TO_MAKE_A_KEY);
        }
        if (maxClockSkew.isNegative() || maxClockSkew.isZero()) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "maxClockSkew must be positive, got " + maxClockSkew);
        }
        return new InterconnectSecurity(key.clone(), maxClockSkew);
    }

    /**
     * Reads a key file: its text is the key in base64 (standard alphabet, with or without padding; line
     * breaks and surrounding blanks are ignored), decoding to at least {@value #MIN_KEY_BYTES} bytes.
     *
     * @param file         the key file
     * @param maxClockSkew see {@link #hmacSha256}
     * @param warn         told, in words, if the file can be read by its group or by others
     * @return the security
     * @throws UnderstudyException {@link ErrorCode#INVALID_CONFIGURATION} naming the file and what is wrong
     */
    public static InterconnectSecurity fromKeyFile(Path file, Duration maxClockSkew, java.util.function.Consumer<String> warn) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "cannot read the interconnect key file "
                    + file + ": " + e + "; " + HOW_TO_MAKE_A_KEY, e);
        }
        byte[] key;
        try {
            key = Base64.getMimeDecoder().decode(text.strip());
            if (text.strip().chars().anyMatch(c -> !(Character.isWhitespace(c) || Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '='))) {
                throw new IllegalArgumentException("it contains characters outside the base64 alphabet");
            }
        } catch (IllegalArgumentException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "the interconnect key file " + file
                    + " is not base64: " + e.getMessage() + "; " + HOW_TO_MAKE_A_KEY);
        }
        if (key.length < MIN_KEY_BYTES) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "the interconnect key file " + file
                    + " holds a key of " + key.length + " bytes; expected at least " + MIN_KEY_BYTES + ": " + HOW_TO_MAKE_A_KEY);
        }
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
                warn.accept("the interconnect key file " + file + " can be read by its group or by others ("
                        + java.nio.file.attribute.PosixFilePermissions.toString(p) + "); run `chmod 600 " + file + "`");
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to check.
        }
        try {
            return hmacSha256(key, maxClockSkew);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** {@return whether messages are authenticated} */
    public boolean enabled() {
        return key != null;
    }

    /** {@return the largest clock skew tolerated} */
    public Duration maxClockSkew() {
        return maxClockSkew;
    }

    /** {@return a short public fingerprint of the key (hex), to tell keys apart in logs; empty without a key} */
    public String keyId() {
        return enabled() ? HexFormat.of().formatHex(keyId) : "";
    }

    byte[] keyIdBytes() {
        return keyId.clone();
    }

    /** {@return the HMAC-SHA256 tag of {@code label} followed by {@code data}} */
    byte[] tag(String label, byte[] data, int off, int len) {
        if (key == null) {
            throw new IllegalStateException("no key");
        }
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update(label.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) 0);
            mac.update(data, off, len);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("the JDK lacks " + ALGORITHM, e);
        }
    }

    /** {@return whether {@code tag} is the tag of the data, compared in constant time} */
    boolean verify(String label, byte[] data, int off, int len, byte[] tag) {
        return MessageDigest.isEqual(tag(label, data, off, len), tag);
    }

    private static byte[] keyId(byte[] key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(
                    concat("understudy-key-id\0".getBytes(StandardCharsets.US_ASCII), key));
            return Arrays.copyOf(h, KEY_ID_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public String toString() {
        return enabled() ? "hmac-sha256 (key " + keyId() + ", maxClockSkew " + maxClockSkew + ")" : "none";
    }
}
