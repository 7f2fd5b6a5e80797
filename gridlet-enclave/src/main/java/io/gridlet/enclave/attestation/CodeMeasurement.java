package io.gridlet.enclave.attestation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.List;

/**
 * The measurement of the operator code: SHA-256 over the class files of the given classes (name and bytes, in
 * name order), read from their class loaders. The same classes built the same way give the same measurement; a
 * changed class gives another. (Hardware backends measure the whole enclave or VM image instead; this is what
 * the software backend can honestly hash: the code it was given, not the JVM running it.)
 */
public final class CodeMeasurement {
    private CodeMeasurement() {
    }

    public static byte[] of(List<Class<?>> classes) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Class<?> c : classes.stream().sorted(Comparator.comparing(Class::getName)).toList()) {
                String resource = c.getName().replace('.', '/') + ".class";
                ClassLoader loader = c.getClassLoader() != null ? c.getClassLoader()
                        : ClassLoader.getSystemClassLoader();
                try (InputStream in = loader.getResourceAsStream(resource)) {
                    if (in == null) throw new IllegalArgumentException("no class file for " + c.getName());
                    byte[] name = c.getName().getBytes(StandardCharsets.UTF_8);
                    sha.update(name);
                    sha.update((byte) 0);
                    byte[] bytes = in.readAllBytes();
                    sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
                    sha.update(bytes);
                }
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
