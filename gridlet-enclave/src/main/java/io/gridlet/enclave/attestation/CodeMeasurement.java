package io.gridlet.enclave.attestation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The measurement of code: SHA-256 over class files (name and bytes, in name order). {@link #of} measures the given
 * classes; {@link #ofModules} everything the boundary runs: every class file of each given class's module (its top
 * package, e.g. {@code io/gridlet/core/}) where it was loaded from (a jar or a classes directory). The same code
 * built the same way gives the same measurement; a changed class gives another. (Hardware backends measure the
 * whole enclave or VM image instead; this is what the software backend can honestly hash: the code it was given,
 * not the JVM running it, nor the libraries, such as Flink, under it.)
 */
public final class CodeMeasurement {
    private CodeMeasurement() {
    }

    /** SHA-256 over every class file of the modules of {@code anchors} (see {@link #files}). */
    public static byte[] ofModules(List<Class<?>> anchors) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> f : files(anchors).entrySet()) {
                sha.update(f.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(ByteBuffer.allocate(4).putInt(f.getValue().length).array());
                sha.update(f.getValue());
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The class files of the modules of {@code anchors}, by name: for each anchor, every {@code .class} under its
     * top package ({@code io/gridlet/core/} for {@code io.gridlet.core.engine.QueryEngine}) in the jar or directory
     * it was loaded from.
     *
     * @throws IllegalArgumentException for a class whose code source cannot be read
     */
    public static SortedMap<String, byte[]> files(List<Class<?>> anchors) {
        SortedMap<String, byte[]> files = new TreeMap<>();
        for (Class<?> c : anchors) {
            String[] parts = c.getName().split("\\.");
            if (parts.length < 4) throw new IllegalArgumentException(c.getName() + " is in no module package");
            String prefix = parts[0] + "/" + parts[1] + "/" + parts[2] + "/";
            CodeSource source = c.getProtectionDomain().getCodeSource();
            if (source == null) throw new IllegalArgumentException("no code source for " + c.getName());
            try {
                Path where = Path.of(source.getLocation().toURI());
                if (Files.isDirectory(where)) {
                    try (Stream<Path> all = Files.walk(where.resolve(prefix))) {
                        for (Path f : all.filter(p -> p.toString().endsWith(".class")).toList()) {
                            files.put(where.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                        }
                    }
                } else {
                    try (JarFile jar = new JarFile(where.toFile())) {
                        for (JarEntry e : Collections.list(jar.entries())) {
                            if (e.getName().startsWith(prefix) && e.getName().endsWith(".class")) {
                                try (InputStream in = jar.getInputStream(e)) {
                                    files.put(e.getName(), in.readAllBytes());
                                }
                            }
                        }
                    }
                }
            } catch (URISyntaxException | IOException e) {
                throw new IllegalArgumentException("cannot read the code of " + c.getName() + ": " + e.getMessage(), e);
            }
        }
        return files;
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
