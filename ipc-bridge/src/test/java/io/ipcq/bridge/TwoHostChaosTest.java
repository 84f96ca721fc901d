package io.ipcq.bridge;

import io.ipcq.IpcQueue;
import io.ipcq.Producer;
import io.ipcq.SendResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static io.ipcq.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Two hosts on one machine: queue A, bridge out (its own JVM), JetStream (a real nats-server), bridge in (its own JVM),
 * queue B. Checksummed messages on 3 lanes; while they flow, each bridge is killed with SIGKILL several times at
 * random points (chosen by progress, not by the clock) and restarted, and the server is restarted once. At the end
 * every message is in B once, or more than once with the same origin id (counted), none lost; A and B drained; the
 * stream empty. {@code -Dipcq.bridge.twoHost.messages=N} (default 21,000; scripts/bridge-soak runs 100,002: a multiple of 3).
 */
class TwoHostChaosTest
{
    private static final int LANES = 3;
    private static final int KILLS_PER_BRIDGE = 4;
    private static final long ACK_WAIT_MS = 2_000;
    private static final int WINDOW = 256;
    /** No new message in B for this long while some are missing: fail with the evidence, do not wait for ever. */
    private static final long STALL_MS = 90_000;

    @Test
    void messagesCrossTwoKilledBridgesAndARestartedServerWithNoneLost() throws Exception
    {
        final int perLane = Integer.getInteger("ipcq.bridge.twoHost.messages", 21_000) / LANES;
        final int total = perLane * LANES;
        final long seed = Long.getLong("ipcq.bridge.twoHost.seed", System.nanoTime());
        final Random random = new Random(seed);
        final Path pathA = queuePath("two-host-a");
        final Path pathB = queuePath("two-host-b");
        final String stream = "TWOHOST";
        final List<String> plan = new ArrayList<>();
        for (int i = 0; i < KILLS_PER_BRIDGE; i++)
        {
            plan.add("out");
            plan.add("in");
        }
        Collections.shuffle(plan, random);
        // Kill points by progress: distinct messages in B, spread over 5%..90% of the run; the server restart at one.
        final List<Integer> thresholds = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++)
        {
            thresholds.add((int)(total * (0.05 + 0.85 * random.nextDouble())));
        }
        Collections.sort(thresholds);
        final int serverRestartAt = (int)(total * (0.3 + 0.4 * random.nextDouble()));
        int killsOut = 0;
        int killsIn = 0;
        boolean serverRestarted = false;
        try (LocalNatsServer server = LocalNatsServer.start(storeDir("two-host"));
             IpcQueue a = create(pathA, LANES, 1024, Duration.ofSeconds(1));
             IpcQueue b = create(pathB, LANES, 1024, Duration.ofSeconds(1));
             Drainer drainer = new Drainer(b))
        {
            final String[] outArgs = { "out", pathA.toString(), server.url(), stream, Integer.toString(WINDOW),
                Long.toString(ACK_WAIT_MS) };
            final String[] inArgs = { "in", pathB.toString(), server.url(), stream, Integer.toString(WINDOW),
                Long.toString(ACK_WAIT_MS) };
            ChildBridge out = ChildBridge.start(null, outArgs);
            ChildBridge in = null;
            final AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            final long startNs = System.nanoTime();
            final Thread producerThread = new Thread(() ->
            {
                try (Producer producer = a.producer())
                {
                    for (int seq = 0; seq < perLane; seq++)
                    {
                        for (int lane = 0; lane < LANES; lane++)
                        {
                            final SendResult result = producer.send(lane, message(lane, seq), Duration.ofMinutes(5));
                            if (result != SendResult.OK)
                            {
                                throw new AssertionError("send " + lane + "/" + seq + ": " + result);
                            }
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    producerFailure.set(ex);
                }
            }, "producer-a");
            try
            {
                out.awaitReady(60_000);
                in = ChildBridge.start(null, inArgs);
                in.awaitReady(60_000);
                producerThread.start();
                int next = 0;
                int lastProgress = -1;
                long lastProgressMs = System.currentTimeMillis();
                // Every planned kill runs, even if the messages all arrived before its threshold.
                while (drainer.distinct() < total || next < plan.size() || !serverRestarted)
                {
                    assertNull(producerFailure.get(), () -> "producer: " + producerFailure.get());
                    assertNull(drainer.failure.get(), () -> "drainer: " + drainer.failure.get());
                    final int progress = drainer.distinct();
                    if (progress != lastProgress)
                    {
                        lastProgress = progress;
                        lastProgressMs = System.currentTimeMillis();
                    }
                    else if (System.currentTimeMillis() - lastProgressMs > STALL_MS && progress < total)
                    {
                        fail("stalled at " + progress + " of " + total + " for " + STALL_MS + " ms");
                    }
                    if (!serverRestarted && (progress >= serverRestartAt || progress >= total))
                    {
                        server.restart();
                        serverRestarted = true;
                    }
                    else if (next < plan.size() && (progress >= thresholds.get(next) || progress >= total))
                    {
                        if (plan.get(next).equals("out"))
                        {
                            out.kill9();
                            out.close();
                            out = ChildBridge.start(null, outArgs);
                            out.awaitReady(60_000);
                            killsOut++;
                        }
                        else
                        {
                            in.kill9();
                            in.close();
                            in = ChildBridge.start(null, inArgs);
                            in.awaitReady(60_000);
                            killsIn++;
                        }
                        next++;
                    }
                    if (!out.isAlive() || !in.isAlive())
                    {
                        fail("a bridge died by itself; out: " + outLog(out) + " in: " + outLog(in));
                    }
                    Thread.sleep(5);
                }
                final double seconds = (System.nanoTime() - startNs) / 1e9;
                producerThread.join(60_000);
                // Every message is in B; with the bridges still running, let what is left drain: duplicates a
                // restarted bridge published again (after the server restart JetStream forgets the ids of messages
                // already acked and gone) and redeliveries of acks lost with a killed bridge in.
                final long deadlineEmpty = System.currentTimeMillis() + 120_000;
                while ((streamMessages(server.url(), stream) > 0 || a.stats().ready() + a.stats().leased() +
                    a.stats().redelivery() > 0) && System.currentTimeMillis() < deadlineEmpty)
                {
                    Thread.sleep(50);
                }
                assertEquals(0, out.stop(60_000), "bridge out stops cleanly");
                assertEquals(0, in.stop(60_000), "bridge in stops cleanly");
                final long lost = total - drainer.distinct();
                final String figures = String.format("two-host: messages=%d lanes=%d kills=%d (out %d, in %d) " +
                    "serverRestarts=%d duplicates=%d lost=%d throughput=%.0f msgs/s seconds=%.1f seed=%d", total,
                    LANES, killsOut + killsIn, killsOut, killsIn, serverRestarted ? 1 : 0, drainer.duplicates.get(),
                    lost, total / seconds, seconds, seed);
                System.out.println(figures);
                Files.writeString(Path.of("target", "two-host-figures.txt"), figures + "\n", StandardCharsets.UTF_8);
                assertEquals(0, lost, "lost");
                assertEquals(KILLS_PER_BRIDGE, killsOut, "every planned kill of bridge out happened");
                assertEquals(KILLS_PER_BRIDGE, killsIn, "every planned kill of bridge in happened");
                assertTrue(serverRestarted, "the server was restarted");
                assertEquals(0, streamMessages(server.url(), stream), "stream empty");
                Thread.sleep(200);
                assertEquals(0, a.stats().ready() + a.stats().leased() + a.stats().redelivery(), "A drained");
                assertEquals(0, a.stats().deadLettered(), "nothing dead-lettered in A");
                assertEquals(0, b.stats().ready() + b.stats().leased() + b.stats().redelivery(), "B drained");
                assertEquals(drainer.received.get(), total + drainer.duplicates.get(),
                    "every delivery is a distinct message or a counted duplicate");
            }
            catch (final Throwable failure)
            {
                final String evidence = evidence(a, b, server.url(), stream, out, in, drainer, seed);
                final Path where = Path.of("target", "bridge-evidence", "two-host-" + seed + ".txt");
                Files.createDirectories(where.getParent());
                Files.writeString(where, evidence, StandardCharsets.UTF_8);
                failure.addSuppressed(new AssertionError("evidence in " + where.toAbsolutePath() + ":\n" +
                    tail(evidence, 6_000)));
                throw failure;
            }
            finally
            {
                out.close();
                if (in != null)
                {
                    in.close();
                }
                producerThread.join(10_000);
            }
        }
        finally
        {
            delete(pathA);
            delete(pathB);
        }
    }

    /** What a failed run leaves to look at: both queues, the stream and its consumers, and both bridges' output. */
    private static String evidence(final IpcQueue a, final IpcQueue b, final String url, final String stream,
        final ChildBridge out, final ChildBridge in, final Drainer drainer, final long seed)
    {
        final StringBuilder text = new StringBuilder();
        text.append("seed ").append(seed).append("; distinct in B ").append(drainer.distinct()).append(", received ")
            .append(drainer.received.get()).append(", duplicates ").append(drainer.duplicates.get()).append('\n');
        text.append("A: ").append(a.stats()).append('\n');
        text.append("B: ").append(b.stats()).append('\n');
        text.append(streamEvidence(url, BridgeSettings.builder(url, stream).build(), LANES));
        text.append("--- bridge out ---\n").append(outLog(out)).append('\n');
        text.append("--- bridge in ---\n").append(outLog(in)).append('\n');
        return text.toString();
    }

    private static String tail(final String text, final int length)
    {
        return text.length() <= length ? text : "..." + text.substring(text.length() - length);
    }

    private static String outLog(final ChildBridge child)
    {
        return child == null ? "-" : child.log();
    }
}
