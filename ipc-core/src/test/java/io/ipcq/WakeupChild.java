package io.ipcq;

import io.ipcq.wait.Futex;
import io.ipcq.wait.WaitStats;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Main of the child JVMs of {@link FutexWakeupTest}, run on a JDK 22+ with the multi-release classes first on the
 * class path:
 * <ul>
 *   <li>{@code scenarios DIR}: every {@link WakeupScenarios} scenario, on futex sleepers; prints {@code PASSED};</li>
 *   <li>{@code sleep PATH}: one consumer waits up to 60 s for a message; prints {@code WOKE <payload>};</li>
 *   <li>{@code send PATH}: sends "hello" on lane 0; prints {@code WAKE_CALLS <n>}.</li>
 * </ul>
 * Exit status 0 when all went as expected; a failure prints its stack trace and exits 1.
 */
public final class WakeupChild
{
    private WakeupChild()
    {
    }

    public static void main(final String[] args) throws Throwable
    {
        try
        {
            if (!Futex.isAvailable())
            {
                throw new AssertionError("no futex on JDK " + Runtime.version() + ": is META-INF/versions/22 first " +
                    "on the class path, and native access enabled?");
            }
            switch (args[0])
            {
                case "scenarios" ->
                {
                    final Path dir = Path.of(args[1]);
                    final String prefix = "ipcq-futex-" + ProcessHandle.current().pid() + "-";
                    WakeupScenarios.consumerIsWokenBySend(dir.resolve(prefix + "1"));
                    WakeupScenarios.producerIsWokenByFree(dir.resolve(prefix + "2"));
                    WakeupScenarios.sealWakesEverySleeper(dir.resolve(prefix + "3"));
                    WakeupScenarios.noWakeCallWithoutSleepers(dir.resolve(prefix + "4"));
                    WakeupScenarios.idleConsumerWakesRarely(dir.resolve(prefix + "5"));
                    WakeupScenarios.strategiesKeepTheirTimeout(dir.resolve(prefix + "6"));
                    WakeupScenarios.sleeperInAHighRowIsWoken(dir.resolve(prefix + "7"));
                    System.out.println("PASSED");
                }
                case "sleep" ->
                {
                    try (IpcQueue queue = IpcQueue.open(Path.of(args[1]));
                         Consumer consumer = queue.consumer())
                    {
                        final Lease lease = consumer.lease(Duration.ofSeconds(60));
                        if (lease == null)
                        {
                            throw new AssertionError("not woken: " + consumer.status());
                        }
                        final byte[] bytes = new byte[lease.length()];
                        lease.payload().getBytes(0, bytes);
                        lease.ack();
                        System.out.println("WOKE " + new String(bytes, StandardCharsets.UTF_8));
                    }
                }
                case "send" ->
                {
                    try (IpcQueue queue = IpcQueue.open(Path.of(args[1]));
                         Producer producer = queue.producer())
                    {
                        final long before = WaitStats.wakeCalls();
                        System.out.println("SLEEPERS " + queue.waits().sleepers(0, false) + " REGISTERED " +
                            queue.waits().registeredRows(0, false));
                        if (producer.trySend(0, "hello".getBytes(StandardCharsets.UTF_8)) != SendResult.OK)
                        {
                            throw new AssertionError("send refused");
                        }
                        System.out.println("WAKE_CALLS " + (WaitStats.wakeCalls() - before));
                    }
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
        catch (final Throwable t)
        {
            t.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
    }
}
