package io.rgrid.orchestrator.dispatch.ray;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Opens the Ray driver. The implementation class and the installed Ray's {@code ray_dist.jar}
 * (Ray's Java API, runtime and JNI core worker, with its own unshaded log4j, gson, HttpClient, …)
 * go into a child class loader that looks in the jar first, so none of it meets the orchestrator's
 * class path. Only {@link RayGateway} (JDK types) crosses between the two.
 */
public final class RayGateways {

    static final String DRIVER_CLASS = "io.rgrid.orchestrator.dispatch.ray.driver.RayDriverGateway";
    private static final String DRIVER_PACKAGE = "io.rgrid.orchestrator.dispatch.ray.driver.";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private RayGateways() {
    }

    /** The {@code ray_dist.jar} of a venv made by {@code infra/install-ray.sh}, if there is one. */
    public static Path distJarIn(Path venv) {
        Path lib = venv.resolve("lib");
        if (Files.isDirectory(lib)) {
            try (DirectoryStream<Path> pythons = Files.newDirectoryStream(lib, "python3*")) {
                for (Path python : pythons) {
                    Path jar = python.resolve("site-packages/ray/jars/ray_dist.jar");
                    if (Files.isRegularFile(jar)) {
                        return jar;
                    }
                }
            } catch (IOException e) {
                // treated as not installed
            }
        }
        return null;
    }

    /**
     * Checks what can be checked before {@code Ray.init()} (which, when the head is missing, fails
     * late and obscurely), then connects.
     *
     * @throws RayUnavailableException with the reason and what to do
     */
    public static RayGateway connect(Path distJar, RayHeadAddress head, String nodeIp, Path taskJar) {
        if (distJar == null || !Files.isRegularFile(distJar)) {
            throw new RayUnavailableException("Ray is not installed: no ray_dist.jar at " + distJar
                    + " (install Ray with infra/install-ray.sh --venv <dir> and set rgrid.orchestrator.ray.venv, "
                    + "or point rgrid.orchestrator.ray.dist-jar at the jar it prints)");
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(head.host(), head.port()), (int) CONNECT_TIMEOUT.toMillis());
        } catch (IOException e) {
            throw new RayUnavailableException("the Ray head is unreachable at " + head + " (RAY_HEAD_ADDRESS): " + e
                    + "; start it (docker-compose -f infra/ray-compose.yml up -d, or ray start --head --port="
                    + head.port() + ") or set RAY_ENABLED=false");
        }
        RayAuth.problemHere().ifPresent(problem -> {
            throw new RayUnavailableException(problem);
        });
        ClassLoader parent = RayGateway.class.getClassLoader();
        RayClassLoader loader;
        try {
            loader = new RayClassLoader(new URL[]{distJar.toUri().toURL()}, parent);
        } catch (MalformedURLException e) {
            throw new RayUnavailableException("bad ray_dist.jar path " + distJar + ": " + e);
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Object gateway = loader.loadClass(DRIVER_CLASS).getConstructor(Map.class).newInstance(Map.of(
                    "ray.address", head.toString(),
                    "ray.node-ip", nodeIp,
                    "ray.job.code-search-path", taskJar.toString()));
            return (RayGateway) gateway;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null
                    ? ite.getCause() : e;
            throw new RayUnavailableException("could not connect a Ray driver to " + head + " as node " + nodeIp
                    + " with " + distJar + ": " + cause
                    + " (a Ray driver needs a raylet on its own host: the head runs beside the orchestrator, "
                    + "and rgrid.orchestrator.ray.node-ip must be this host's address in the cluster)", cause);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The class loader the driver runs in (to be the context class loader of threads calling Ray). */
    public static ClassLoader loaderOf(RayGateway gateway) {
        return gateway.getClass().getClassLoader();
    }

    /** Ray could not be reached or loaded. */
    public static final class RayUnavailableException extends RuntimeException {
        public RayUnavailableException(String message) {
            super(message);
        }

        public RayUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Looks in {@code ray_dist.jar} first; defines the driver package's classes itself from the
     * parent's bytes (so they link against the jar's Ray, not against anything on the parent's
     * class path); everything else from the parent.
     */
    static final class RayClassLoader extends URLClassLoader {

        static {
            ClassLoader.registerAsParallelCapable();
        }

        RayClassLoader(URL[] urls, ClassLoader parent) {
            super("rgrid-ray", urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && name.startsWith(DRIVER_PACKAGE)) {
                    c = defineFromParent(name);
                }
                if (c == null && !name.startsWith("java.")) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        // not in the jar: the parent's
                    }
                }
                if (c == null) {
                    c = getParent().loadClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        private Class<?> defineFromParent(String name) throws ClassNotFoundException {
            String resource = name.replace('.', '/') + ".class";
            try (InputStream in = getParent().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new ClassNotFoundException(name);
                }
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }
    }
}
