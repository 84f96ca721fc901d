package io.ipcq.tools.chaos;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.ParticipantEvictedException;
import io.ipcq.ReceiveStatus;
import io.ipcq.tools.common.ChildProcesses;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

/**
 * Soak child: leases messages (from the lanes, or from the dead-letter ring), checks each payload, records every
 * step in its {@link DeliveryLog}, and exits 0 at end of stream. Each message takes 2-20 ms of "work" before its
 * ack, and it works on up to WINDOW at a time (so a kill finds it holding several leases). On the lanes it also
 * misbehaves on purpose:
 * <ul>
 *   <li>poison messages (see {@link ChaosMessages#isPoison}) are always released, so after max deliveries they go
 *   to the dead-letter ring;</li>
 *   <li>one message in {@value #RELEASE_ONE_IN} is released instead of acked (redelivered);</li>
 *   <li>one in {@value #FORGET_ONE_IN} is "forgotten": held past its lease timeout, so the reaper expires it and
 *   redelivers it, and the late ack attempted then must be fenced.</li>
 * </ul>
 * If the reaper declared it dead (paused past the heartbeat timeout), it tries to ack what it held (those acks must
 * be fenced unless the reaper had not revoked them yet), closes the evicted handle and attaches a new one.
 * <p>
 * Arguments: {@code QUEUE_PATH DELIVERY_LOG INCARNATION lanes|dead-letters DRIVER_PID WINDOW SEED
 * TIME_LIMIT_SECONDS}.
 */
public final class ChaosConsumer
{
    /** Exit code of a consumer whose delivery log is full: it released what it held; start another. */
    public static final int EXIT_LOG_FULL = 6;

    static final int RELEASE_ONE_IN = 100;
    static final int FORGET_ONE_IN = 2_000;
    private static final int MAX_FORGOTTEN = 2;
    private static final long MIN_WORK_NS = 2_000_000L;
    private static final long MAX_WORK_NS = 20_000_000L;

    private final IpcQueue queue;
    private final DeliveryLog log;
    private final int incarnation;
    private final boolean deadLetters;
    private final int window;
    private final SplittableRandom random;
    private final long forgetForNs;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final List<Held> forgotten = new ArrayList<>();
    private final CRC32 crc = new CRC32();
    private final byte[] scratch = new byte[ChaosMessages.MAX_LENGTH];
    private Consumer consumer;
    private long leases;
    private long acked;
    private long fenced;
    private long corrupt;
    private long evictions;

    private record Held(Lease lease, int record, long dueNs)
    {
    }

    private ChaosConsumer(
        final IpcQueue queue, final DeliveryLog log, final int incarnation, final boolean deadLetters,
        final int window, final long seed)
    {
        this.queue = queue;
        this.log = log;
        this.incarnation = incarnation;
        this.deadLetters = deadLetters;
        this.window = window;
        this.random = new SplittableRandom(seed);
        this.forgetForNs = queue.leaseTimeout().toNanos() + 500_000_000L;
    }

    public static void main(final String[] args)
    {
        final Path path = Path.of(args[0]);
        final Path logPath = Path.of(args[1]);
        final int incarnation = Integer.parseInt(args[2]);
        final boolean deadLetters = switch (args[3])
        {
            case "lanes" -> false;
            case "dead-letters" -> true;
            default -> throw new IllegalArgumentException("role: lanes or dead-letters, not " + args[3]);
        };
        ChildProcesses.exitWhenParentDies(Long.parseLong(args[4]));
        final int window = Integer.parseInt(args[5]);
        final long seed = Long.parseLong(args[6]);
        final long limitNs = Duration.ofSeconds(Long.parseLong(args[7])).toNanos();

        final long startNs = System.nanoTime();
        final int exit;
        final ChaosConsumer self;
        try (DeliveryLog log = DeliveryLog.open(logPath); IpcQueue queue = IpcQueue.open(path))
        {
            self = new ChaosConsumer(queue, log, incarnation, deadLetters, window, seed);
            exit = self.run(startNs, limitNs);
        }
        System.out.printf("%s %d: %d leases, %d acked, %d fenced, %d corrupt, evicted %d times, exit %d after %d ms%n",
            deadLetters ? "dead-letter consumer" : "consumer", incarnation, self.leases, self.acked, self.fenced,
            self.corrupt, self.evictions, exit, (System.nanoTime() - startNs) / 1_000_000);
        System.exit(exit);
    }

    private Consumer attach()
    {
        final int maxHeld = window + MAX_FORGOTTEN;
        return deadLetters ? queue.deadLetterConsumer(maxHeld) : queue.consumer(maxHeld);
    }

    private int run(final long startNs, final long limitNs)
    {
        consumer = attach();
        while (true)
        {
            if (System.nanoTime() - startNs > limitNs)
            {
                System.err.println("consumer " + incarnation + ": no end of stream by the time limit");
                return ChildProcesses.EXIT_TIMED_OUT;
            }
            try
            {
                ackForgottenDue();
                if (held.size() < window)
                {
                    final long callNs = System.nanoTime();
                    final Lease lease = held.isEmpty() ? consumer.lease(Duration.ofMillis(50)) : consumer.tryLease();
                    if (lease != null)
                    {
                        if (!leased(lease, callNs))
                        {
                            // Log full: give everything back and let the driver start another incarnation.
                            lease.close();
                            consumer.close();
                            return EXIT_LOG_FULL;
                        }
                        continue;
                    }
                    if (consumer.status() == ReceiveStatus.END_OF_STREAM && held.isEmpty())
                    {
                        break;
                    }
                }
                if (!held.isEmpty())
                {
                    // The work: each message takes a while; the oldest is acked once done, or when the window is full.
                    final long waitNs = held.peek().dueNs() - System.nanoTime();
                    if (held.size() >= window || waitNs <= 0)
                    {
                        ack(held.poll());
                    }
                    else
                    {
                        LockSupport.parkNanos(Math.min(waitNs, 1_000_000L));
                    }
                }
            }
            catch (final ParticipantEvictedException ex)
            {
                evictions++;
                log.evicted();
                // Late acks from a holder declared dead: fenced, unless the reaper had not revoked them yet.
                ackAll();
                consumer.close();
                consumer = attach();
            }
        }
        // End of stream: a lease still held now was revoked (the stream could not have ended otherwise).
        ackAll();
        consumer.close();
        return 0;
    }

    /**
     * @return false if the log is full (nothing recorded).
     */
    private boolean leased(final Lease lease, final long callNs)
    {
        final long leaseNs = System.nanoTime();
        leases++;
        long key;
        try
        {
            key = ChaosMessages.read(lease.payload(), lease.length(), crc, scratch);
        }
        catch (final RuntimeException ex)
        {
            System.err.println("consumer " + incarnation + ": " + lease + ": " + ex);
            key = -1;
        }
        final int record = log.leased(key, lease.id(), callNs, leaseNs, lease.deliveryCount());
        if (record < 0)
        {
            return false;
        }
        if (key < 0)
        {
            corrupt++;
            System.err.println("consumer " + incarnation + ": " + lease + " fails its check; acked to move on");
            ack(new Held(lease, record, 0));
        }
        else if (!deadLetters && (ChaosMessages.isPoison(key) || random.nextInt(RELEASE_ONE_IN) == 0))
        {
            log.begin(record, DeliveryLog.RELEASING);
            final boolean released = lease.release();
            log.end(record, released ? DeliveryLog.RELEASED : DeliveryLog.RELEASE_FENCED);
        }
        else if (!deadLetters && forgotten.size() < MAX_FORGOTTEN && random.nextInt(FORGET_ONE_IN) == 0)
        {
            log.flag(record, DeliveryLog.FLAG_FORGOTTEN);
            forgotten.add(new Held(lease, record, leaseNs + forgetForNs));
        }
        else
        {
            held.add(new Held(lease, record, leaseNs + MIN_WORK_NS + random.nextLong(MAX_WORK_NS - MIN_WORK_NS)));
        }
        return true;
    }

    private void ack(final Held held)
    {
        log.begin(held.record(), DeliveryLog.ACKING);
        final boolean accepted = held.lease().ack();
        log.end(held.record(), accepted ? DeliveryLog.ACKED : DeliveryLog.FENCED);
        if (accepted)
        {
            acked++;
        }
        else
        {
            fenced++;
        }
    }

    private void ackForgottenDue()
    {
        final long nowNs = System.nanoTime();
        for (final Iterator<Held> it = forgotten.iterator(); it.hasNext(); )
        {
            final Held late = it.next();
            if (nowNs - late.dueNs() >= 0)
            {
                it.remove();
                ack(late);
            }
        }
    }

    private void ackAll()
    {
        while (!held.isEmpty())
        {
            ack(held.poll());
        }
        for (final Held late : forgotten)
        {
            ack(late);
        }
        forgotten.clear();
    }
}
