package io.gridlet.client;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files for TLS, read with the JDK alone: certificates (one or a chain, {@code BEGIN CERTIFICATE}) and an
 * unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}; RSA, EC or EdDSA), made into the key and trust
 * managers gRPC's TLS credentials take. Every problem is an {@link IllegalArgumentException} whose message names
 * the file and, where it can, what to do (a PKCS#1 or SEC1 key: how to convert it).
 */
public final class Pem {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final int MAX_FILE_BYTES = 1 << 20;

    private Pem() {
    }

    /** The certificates in {@code file} (PEM, in file order; text around the blocks is ignored), at least one. */
    public static List<X509Certificate> certificates(Path file) {
        String text = new String(read(file, "certificate"), StandardCharsets.US_ASCII);
        List<X509Certificate> certs = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (!m.group(1).equals("CERTIFICATE")) continue;
                byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                certs.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": certificate " + (certs.size() + 1) + " does not parse: "
                    + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no certificate (expected -----BEGIN CERTIFICATE-----)"
                    + (text.contains("PRIVATE KEY-----") ? ", but a private key: the certificate and key swapped?"
                    : ""));
        }
        return certs;
    }

    /** The private key in {@code file}: unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). */
    public static PrivateKey privateKey(Path file) {
        String text = new String(read(file, "private key"), StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            switch (type) {
                case "PRIVATE KEY" -> {
                    byte[] der;
                    try {
                        der = Base64.getMimeDecoder().decode(m.group(2));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(file + ": the private key is not valid base64", e);
                    }
                    return pkcs8(file, der);
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(file + " holds an encrypted private"
                        + " key; give it unencrypted (openssl pkcs8 -in " + file + " -out KEY.pem) and keep that file"
                        + " readable by its owner only");
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY" -> throw new IllegalArgumentException(file
                        + " holds a '" + type + "' (PKCS#1/SEC1); convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt"
                        + " -in " + file + " -out KEY.pem");
                default -> {
                    // a certificate or parameters next to the key: skip
                }
            }
        }
        throw new IllegalArgumentException(file + " holds no private key (expected -----BEGIN PRIVATE KEY-----)");
    }

    private static PrivateKey pkcs8(Path file, byte[] der) {
        for (String algorithm : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IllegalArgumentException(file + ": not an RSA, EC or EdDSA private key in PKCS#8 form");
    }

    /**
     * Key managers that present {@code chainFile}'s certificates (the leaf first) with {@code keyFile}'s key.
     * The key must belong to the leaf certificate, and the leaf must be valid now.
     */
    public static KeyManager[] keyManagers(Path chainFile, Path keyFile) {
        List<X509Certificate> chain = certificates(chainFile);
        PrivateKey key = privateKey(keyFile);
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new IllegalArgumentException(chainFile + ": the certificate expired on " + leaf.getNotAfter(), e);
        } catch (CertificateNotYetValidException e) {
            throw new IllegalArgumentException(chainFile + ": the certificate is not valid before "
                    + leaf.getNotBefore(), e);
        }
        if (!matches(key, leaf.getPublicKey())) {
            throw new IllegalArgumentException(keyFile + " is not the private key of the certificate in " + chainFile);
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("key", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(store, password);
            return f.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use " + chainFile + " with " + keyFile + ": " + e.getMessage(),
                    e);
        }
    }

    /** Trust managers that accept a peer whose chain ends at one of {@code caFile}'s certificates. */
    public static TrustManager[] trustManagers(Path caFile) {
        List<X509Certificate> cas = certificates(caFile);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) store.setCertificateEntry("ca-" + i, cas.get(i));
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            return f.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot trust the certificates in " + caFile + ": " + e.getMessage(),
                    e);
        }
    }

    /** The subject's common name of {@code file}'s first certificate (null if it has none). */
    public static String commonName(Path file) {
        try {
            for (Rdn rdn : new LdapName(certificates(file).get(0).getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) return rdn.getValue().toString();
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    /** Whether {@code key} signs what {@code pub} verifies. */
    private static boolean matches(PrivateKey key, PublicKey pub) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> pub.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) return true; // no simple check: the handshake will tell
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(pub);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // the key and the certificate's key are of different kinds
        }
    }

    private static byte[] read(Path file, String what) {
        try {
            if (Files.isDirectory(file)) throw new IllegalArgumentException("cannot read " + file + ": a directory");
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(file + " is too large for a " + what + " file");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("cannot read " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("cannot read " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
