package io.rgrid.orchestrator.dispatch.ray;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pairing of the Ray Java API the driver is compiled against ({@code io.ray:ray-api:2.9.3}
 * from Maven Central) with the {@code ray_dist.jar} of the installed Ray 2.58 it runs with: every
 * Ray class, method and constructor the compiled driver refers to (read from its class files'
 * constant pools) exists with the same descriptor in the installed jar. A call whose signature
 * changed in 2.58 would fail here, before it fails at run time with NoSuchMethodError.
 */
class RayApiPairingTest {

    private static final String DRIVER = RayGateways.DRIVER_CLASS;

    @Test
    void everyRayReferenceOfTheDriverExistsInTheInstalledRayDistJar() throws Exception {
        Path venv = RayTestSupport.venvOrSkip();
        assertThat(venv.resolve("bin/ray")).isExecutable();
        assertThat(installedVersion(venv)).as("the installed Ray version").isEqualTo("2.58.0");
        Path jar = RayGateways.distJarIn(venv);

        List<Ref> refs = rayReferences();
        assertThat(refs).as("the driver calls Ray").extracting(Ref::toString)
                .contains("io/ray/api/Ray.init()V", "io/ray/api/Ray.wait(Ljava/util/List;II)Lio/ray/api/WaitResult;");
        try (URLClassLoader installed = new URLClassLoader(new URL[]{jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
             URLClassLoader compiledAgainst = new URLClassLoader(new URL[]{jarOf("io/ray/api/Ray.class")},
                     ClassLoader.getPlatformClassLoader())) {
            Set<String> missingInstalled = new TreeSet<>();
            Set<String> missingCompiled = new TreeSet<>();
            for (Ref ref : refs) {
                if (!resolves(installed, ref)) {
                    missingInstalled.add(ref.toString());
                }
                if (!resolves(compiledAgainst, ref)) {
                    missingCompiled.add(ref.toString());
                }
            }
            assertThat(missingCompiled).as("references missing from ray-api 2.9.3 (the check itself is broken)").isEmpty();
            assertThat(missingInstalled).as("references of the driver that the installed ray_dist.jar lacks").isEmpty();

            // The check can fail: a method 2.9.3 has and 2.58 dropped (docs/ray.md) is found missing.
            Ref dropped = new Ref('M', "io/ray/api/Ray", "put",
                    "(Ljava/lang/Object;Lio/ray/api/BaseActorHandle;)Lio/ray/api/ObjectRef;");
            assertThat(resolves(compiledAgainst, dropped)).isTrue();
            assertThat(resolves(installed, dropped)).isFalse();
        }
    }

    private static String installedVersion(Path venv) throws IOException {
        try (Stream<Path> pythons = Files.list(venv.resolve("lib"))) {
            for (Path python : pythons.toList()) {
                try (Stream<Path> infos = Files.list(python.resolve("site-packages"))) {
                    for (Path info : infos.toList()) {
                        String name = info.getFileName().toString();
                        if (name.startsWith("ray-") && name.endsWith(".dist-info")) {
                            return name.substring("ray-".length(), name.length() - ".dist-info".length());
                        }
                    }
                }
            }
        }
        return null;
    }

    private static URL jarOf(String resource) throws Exception {
        String url = RayApiPairingTest.class.getClassLoader().getResource(resource).toString();
        assertThat(url).startsWith("jar:file:").contains("ray-api-2.9.3.jar");
        return new URL(url.substring("jar:".length(), url.indexOf("!/")));
    }

    /** A constant-pool reference: kind C (class), M (method or constructor), F (field). */
    record Ref(char kind, String owner, String name, String descriptor) {
        @Override
        public String toString() {
            return kind == 'C' ? owner : owner + "." + name + descriptor;
        }
    }

    /** Every io/ray reference in the driver's class files (the driver class and its nested ones). */
    private static List<Ref> rayReferences() throws IOException {
        List<Ref> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(DRIVER.replace('.', '/')));
        while (!todo.isEmpty()) {
            String cls = todo.poll();
            if (!seen.add(cls)) {
                continue;
            }
            for (Ref ref : constantPool(cls)) {
                if (ref.owner().startsWith("io/ray/") && !out.contains(ref)) {
                    out.add(ref);
                }
                if (ref.kind() == 'C' && ref.owner().startsWith(cls + "$")) {
                    todo.add(ref.owner());
                }
            }
        }
        return out;
    }

    private static List<Ref> constantPool(String cls) throws IOException {
        try (InputStream in = RayApiPairingTest.class.getClassLoader().getResourceAsStream(cls + ".class")) {
            assertThat(in).as(cls + ".class").isNotNull();
            DataInputStream data = new DataInputStream(in);
            data.readInt();
            data.readUnsignedShort();
            data.readUnsignedShort();
            int count = data.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] classIndex = new int[count];
            int[][] memberRef = new int[count][];
            char[] memberKind = new char[count];
            int[][] nameAndType = new int[count][];
            for (int i = 1; i < count; i++) {
                int tag = data.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = data.readUTF();
                    case 7 -> classIndex[i] = data.readUnsignedShort();
                    case 9, 10, 11 -> {
                        memberKind[i] = tag == 9 ? 'F' : 'M';
                        memberRef[i] = new int[]{data.readUnsignedShort(), data.readUnsignedShort()};
                    }
                    case 12 -> nameAndType[i] = new int[]{data.readUnsignedShort(), data.readUnsignedShort()};
                    case 3, 4 -> data.readInt();
                    case 5, 6 -> {
                        data.readLong();
                        i++;
                    }
                    case 8, 16, 19, 20 -> data.readUnsignedShort();
                    case 15 -> {
                        data.readUnsignedByte();
                        data.readUnsignedShort();
                    }
                    case 17, 18 -> data.readInt();
                    default -> throw new IOException("unknown constant pool tag " + tag + " in " + cls);
                }
            }
            List<Ref> refs = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                if (classIndex[i] != 0) {
                    refs.add(new Ref('C', utf8[classIndex[i]], "", ""));
                }
                if (memberRef[i] != null) {
                    int[] nt = nameAndType[memberRef[i][1]];
                    refs.add(new Ref(memberKind[i], utf8[classIndex[memberRef[i][0]]], utf8[nt[0]], utf8[nt[1]]));
                }
            }
            return refs;
        }
    }

    private static boolean resolves(ClassLoader loader, Ref ref) {
        Class<?> owner;
        try {
            owner = Class.forName(ref.owner().replace('/', '.'), false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        if (ref.kind() == 'C') {
            return true;
        }
        Deque<Class<?>> types = new ArrayDeque<>(List.of(owner));
        while (!types.isEmpty()) {
            Class<?> type = types.poll();
            try {
                if (ref.kind() == 'F') {
                    for (var field : type.getDeclaredFields()) {
                        if (field.getName().equals(ref.name())
                                && field.getType().descriptorString().equals(ref.descriptor())) {
                            return true;
                        }
                    }
                } else {
                    List<Executable> members = new ArrayList<>(List.of(type.getDeclaredMethods()));
                    members.addAll(List.of(type.getDeclaredConstructors()));
                    for (Executable member : members) {
                        String name = member instanceof Constructor<?> ? "<init>" : member.getName();
                        Class<?> returns = member instanceof Method m ? m.getReturnType() : void.class;
                        if (name.equals(ref.name()) && MethodType.methodType(returns, member.getParameterTypes())
                                .toMethodDescriptorString().equals(ref.descriptor())) {
                            return true;
                        }
                    }
                }
            } catch (LinkageError e) {
                return false;
            }
            if (type.getSuperclass() != null) {
                types.add(type.getSuperclass());
            }
            types.addAll(List.of(type.getInterfaces()));
        }
        return false;
    }
}
