package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.event.LogStream;
import io.rgrid.worker.config.WorkerConfig;
import io.rgrid.worker.config.WorkerConfig.EgressPolicy;
import io.rgrid.worker.runtime.ContainerRuntimeContract;
import io.rgrid.worker.runtime.ContainerRuntimeContract.Output;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The egress policy's Docker half against a real engine: the agent's start check reads the network
 * as {@code deploy/worker-egress.sh} makes it (a bridge with a fixed interface name and
 * inter-container traffic off) and its marker; executions with network bridge then run on that
 * network, not Docker's default bridge, and cannot reach a container beside them. (The iptables
 * half needs root on a worker: infra/rehearsal/egress-check.sh checks it in the rehearsal.)
 */
class EgressNetworkTest {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 6);
    private static final String NETWORK = "rgrid-exec-t" + SUFFIX;
    private static final String BRIDGE = "rgxt" + SUFFIX;
    private static DockerClient docker;

    @TempDir
    Path tmp;

    @BeforeAll
    static void createNetwork() {
        DockerRuntimeTest.requireDocker();
        docker = DockerRuntime.client(DockerRuntimeTest.DOCKER_HOST, Duration.ofSeconds(30));
        docker.createNetworkCmd().withName(NETWORK).withDriver("bridge")
                .withOptions(Map.of("com.docker.network.bridge.name", BRIDGE,
                        "com.docker.network.bridge.enable_icc", "false"))
                .withLabels(Map.of("io.rgrid.test", "true")).exec();
    }

    @AfterAll
    static void removeNetwork() throws Exception {
        if (docker != null) {
            docker.removeNetworkCmd(NETWORK).exec();
            docker.close();
        }
    }

    @Test
    void theStartCheckNeedsTheNetworkAndTheMarkerOfThatNetwork() throws Exception {
        Path marker = tmp.resolve("egress-policy");
        assertThat(EgressGate.check(DockerRuntimeTest.DOCKER_HOST, egress(EgressPolicy.ENFORCE, NETWORK, marker)).start())
                .as("no marker: the rules were not confirmed").isFalse();
        Files.writeString(marker, "network=" + NETWORK + "\nbridge=" + BRIDGE + "\nchecked=now\n");
        EgressDecision.Outcome ok = EgressGate.check(DockerRuntimeTest.DOCKER_HOST, egress(EgressPolicy.ENFORCE, NETWORK, marker));
        assertThat(ok.start()).as(ok.message()).isTrue();
        assertThat(ok.bridgeNetwork()).isEqualTo(NETWORK);
        EgressDecision.Outcome missing = EgressGate.check(DockerRuntimeTest.DOCKER_HOST,
                egress(EgressPolicy.ENFORCE, NETWORK + "-gone", marker));
        assertThat(missing.start()).isFalse();
        assertThat(missing.message()).contains("Docker has no network " + NETWORK + "-gone");
        assertThat(EgressGate.check(DockerRuntimeTest.DOCKER_HOST, egress(EgressPolicy.OFF, NETWORK, marker)).bridgeNetwork())
                .isEqualTo("bridge");
    }

    @Test
    void bridgeExecutionsRunOnThePolicyNetworkAndDoNotReachTheirNeighbour() throws Exception {
        String subnet = docker.inspectNetworkCmd().withNetworkId(NETWORK).exec().getIpam().getConfig().getFirst().getSubnet();
        // A neighbour on the same network listening on 8080, as another execution could.
        String neighbour = docker.createContainerCmd(ContainerRuntimeContract.IMAGE)
                .withCmd("python3", "-m", "http.server", "8080").withLabels(Map.of("io.rgrid.test", "true"))
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode(NETWORK)).exec().getId();
        try (DockerRuntime runtime = new DockerRuntime(DockerRuntimeTest.DOCKER_HOST,
                new DockerRuntime.Settings(64, 32, Duration.ofSeconds(20), NETWORK))) {
            docker.startContainerCmd(neighbour).exec();
            String neighbourIp = docker.inspectContainerCmd(neighbour).exec().getNetworkSettings().getNetworks()
                    .get(NETWORK).getIpAddress();
            awaitListening(neighbourIp, 8080); // from this host: so "unreachable" below is the network's doing
            Path dir = tmp.resolve("work");
            Files.createDirectories(dir.resolve(RunRequest.INPUTS));
            Files.createDirectories(dir.resolve(RunRequest.OUTPUTS));
            Files.writeString(dir.resolve(RunRequest.SCRIPT), """
                    import socket, sys, time
                    print("ip", socket.gethostbyname(socket.gethostname()))
                    deadline = time.time() + 2
                    while True:
                        try:
                            socket.create_connection((sys.argv[1], 8080), timeout=2).close()
                            print("neighbour reached")
                            break
                        except OSError as e:
                            if time.time() > deadline:
                                print("neighbour unreachable:", type(e).__name__)
                                break
                            time.sleep(0.2)
                    """);
            Output output = new Output();
            RunResult result = runtime.run(new RunRequest("test-" + UUID.randomUUID(), dir, ContainerRuntimeContract.IMAGE,
                    List.of(neighbourIp), Map.of(), 1.0, 128, Duration.ofSeconds(60), NetworkMode.BRIDGE,
                    Map.of("io.rgrid.test", "true")), output);
            String stdout = output.of(LogStream.STDOUT);
            assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
            String ip = stdout.lines().filter(l -> l.startsWith("ip ")).findFirst().orElseThrow().substring(3);
            assertThat(inSubnet(ip, subnet)).as("execution address %s in %s's %s", ip, NETWORK, subnet).isTrue();
            assertThat(stdout).as("inter-container traffic is off on the policy's network (it answers this host)")
                    .contains("neighbour unreachable");
        } finally {
            docker.removeContainerCmd(neighbour).withForce(true).exec();
        }
    }

    private static void awaitListening(String host, int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the neighbour does not listen on " + host + ":" + port + " even from this host", e);
                }
                Thread.sleep(200);
            }
        }
    }

    private static boolean inSubnet(String ip, String cidr) throws Exception {
        String[] parts = cidr.split("/");
        int bits = Integer.parseInt(parts[1]);
        int mask = bits == 0 ? 0 : -1 << (32 - bits);
        return (toInt(InetAddress.getByName(ip).getAddress()) & mask) == (toInt(InetAddress.getByName(parts[0]).getAddress()) & mask);
    }

    private static int toInt(byte[] a) {
        return (a[0] & 0xff) << 24 | (a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff);
    }

    private static WorkerConfig.Egress egress(EgressPolicy policy, String network, Path marker) {
        return new WorkerConfig.Egress() {
            @Override
            public EgressPolicy policy() {
                return policy;
            }

            @Override
            public String network() {
                return network;
            }

            @Override
            public String marker() {
                return marker.toString();
            }
        };
    }
}
