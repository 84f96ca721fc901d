package io.ipcq;

import io.ipcq.layout.QueueDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of the crash tests (docs/crash-matrix.md). Plays one part against a queue the parent created, usually
 * with {@code -Dipcq.test.crashAt=NAME:N} so that it halts (exit status 99) at exactly one step of the protocol.
 * It reports everything the parent needs on stdout, one flushed line per fact, before the next step:
 * <ul>
 *   <li>{@code produce PATH COUNT}: sends messages 0..COUNT-1 on lane 0; {@code SENT seq} after each OK.</li>
 *   <li>{@code produce-batch PATH COUNT BATCH}: sends messages 0..COUNT-1 on lane 0 in batches of BATCH
 *   ({@link Producer#trySend(int, SendBatch)}); {@code SENT seq} for each message of a batch once it returned.</li>
 *   <li>{@code consume-batch PATH HOLD ACTION}: leases HOLD messages with one batch lease
 *   ({@link Consumer#lease(LeaseBatch, int, Duration)}; {@code LEASED seq deliveryCount} each), then {@code none},
 *   or {@code ackAll} ({@code ACKED_ALL n} after it).</li>
 *   <li>{@code consume PATH HOLD ACTION}: leases HOLD messages ({@code LEASED seq deliveryCount} each, after reading
 *   the payload), then applies ACTION to each in lease order: {@code ack} ({@code ACKED seq}), {@code release}
 *   ({@code RELEASED seq}), {@code extend} ({@code EXTENDED seq}), or {@code hold}: prints {@code HOLDING} and waits for
 *   the command {@code GO} on stdin, then tries ack / extend / release on its (by then revoked) leases and reports
 *   what it saw ({@code ACK false}, {@code EXTEND false}, {@code RELEASE false}, {@code EVICTED true},
 *   {@code LEASE_THROWS ...}).</li>
 *   <li>{@code claim PATH SEQ}: claims a slot on lane 0 and writes SEQ into it, prints {@code CLAIMED}, waits for
 *   {@code GO}, then commits ({@code COMMITTED}) and reports whether it finds itself evicted ({@code EVICTED ...},
 *   {@code SEND_THROWS ...} or {@code SEND ...}).</li>
 *   <li>{@code create PATH MODE [GROUP]}: creates (replacing) a queue with that octal mode and group; prints
 *   {@code CREATING pid} first (the crash points inside create leave its temporary file behind).</li>
 *   <li>{@code seal PATH}: seals the queue ({@code SEALING} first, {@code SEALED} after).</li>
 *   <li>{@code purge PATH}: purges every lane ({@code PURGING} first, {@code PURGED n} after).</li>
 *   <li>{@code redrive PATH}: redrives every dead letter ({@code REDRIVING} first, {@code REDRIVEN n} after).</li>
 *   <li>{@code reaper PATH}: attaches an idle consumer so its background agent runs and wins the reaper election;
 *   prints {@code REAPER ownerWord} and idles (the agent reaps until a crash point halts it).</li>
 * </ul>
 * A step that fails for a reason other than the crash (the reaper declared this child dead because the machine
 * starved it past the heartbeat timeout) prints {@code NOISE ...} and exits with {@link #NOISE_STATUS}, so the parent
 * can tell a noisy machine from a protocol bug. The child never outlives its parent: it halts when its stdin closes,
 * and after {@link #MAX_LIFETIME}.
 */
public final class CrashChild
{
    /** Exit status when the child could not reach its crash point for reasons of timing, not of the protocol. */
    public static final int NOISE_STATUS = 3;
    /** Exit status when the parent went away (stdin closed). */
    public static final int ORPHAN_STATUS = 97;
    /** Exit status when the child ran too long. */
    public static final int TOO_LONG_STATUS = 98;
    static final Duration MAX_LIFETIME = Duration.ofSeconds(90);

    private static final BlockingQueue<String> COMMANDS = new LinkedBlockingQueue<>();

    private CrashChild()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        startWatchdogs();
        final String mode = args[0];
        final Path path = Path.of(args[1]);
        try
        {
            switch (mode)
            {
                case "produce" -> produce(path, Integer.parseInt(args[2]));
                case "produce-batch" -> produceBatches(path, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                case "consume-batch" -> consumeBatch(path, Integer.parseInt(args[2]), args[3]);
                case "consume" -> consume(path, Integer.parseInt(args[2]), args[3]);
                case "reaper" -> reaper(path);
                case "claim" -> claim(path, Long.parseLong(args[2]));
                case "create" -> create(path, Integer.parseInt(args[2], 8), args.length > 3 ? args[3] : null);
                case "seal" -> seal(path);
                case "sleep" -> sleep(path);
                case "purge" -> purge(path);
                case "redrive" -> redrive(path);
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            }
        }
        catch (final ParticipantEvictedException ex)
        {
            noise("evicted before the crash point: " + ex.getMessage());
        }
        catch (final Throwable ex)
        {
            say("ERROR " + ex);
            ex.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
        Runtime.getRuntime().halt(0);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void create(final Path path, final int mode, final String group)
    {
        say("CREATING " + ProcessHandle.current().pid());
        IpcQueue.create(path, QueueConfig.builder().capacity(1024).maxPayloadLength(1024).mode(mode).group(group)
            .force(true).build()).close();
        say("CREATED");
    }

    private static void purge(final Path path)
    {
        final IpcQueue queue = IpcQueue.open(path);
        say("PURGING");
        say("PURGED " + queue.purge(false));
        queue.close();
    }

    private static void redrive(final Path path)
    {
        final IpcQueue queue = IpcQueue.open(path);
        say("REDRIVING");
        say("REDRIVEN " + queue.redrive(Long.MAX_VALUE));
        queue.close();
    }

    private static void seal(final Path path)
    {
        final IpcQueue queue = IpcQueue.open(path);
        say("SEALING");
        queue.seal();
        say("SEALED");
        queue.close();
    }

    private static void produce(final Path path, final int count) throws InterruptedException
    {
        final IpcQueue queue = IpcQueue.open(path);
        final Producer producer = queue.producer();
        say("ATTACHED " + ProcessHandle.current().pid());
        for (int seq = 0; seq < count; seq++)
        {
            final SendResult result = producer.send(0, payload(seq), Duration.ofSeconds(10));
            if (result != SendResult.OK)
            {
                noise("send " + seq + " answered " + result);
            }
            say("SENT " + seq);
        }
        say("DONE");
        awaitCommand("EXIT");
        queue.close();
    }

    private static void produceBatches(final Path path, final int count, final int size)
    {
        final IpcQueue queue = IpcQueue.open(path);
        final Producer producer = queue.producer();
        final SendBatch batch = new SendBatch(size);
        say("ATTACHED " + ProcessHandle.current().pid());
        for (int first = 0; first < count; first += size)
        {
            batch.clear();
            for (int seq = first; seq < Math.min(count, first + size); seq++)
            {
                batch.add(payload(seq));
            }
            if (producer.trySend(0, batch) != batch.size())
            {
                noise("batch from " + first + " sent " + batch.sent() + " of " + batch.size() + ": " + batch.result());
            }
            for (int i = 0; i < batch.size(); i++)
            {
                say("SENT " + (first + i));
            }
        }
        say("DONE");
        try
        {
            awaitCommand("EXIT");
        }
        catch (final InterruptedException ignore)
        {
            // closing anyway
        }
        queue.close();
    }

    private static void consumeBatch(final Path path, final int hold, final String action) throws InterruptedException
    {
        final IpcQueue queue = IpcQueue.open(path);
        final Consumer consumer = queue.consumer(Math.max(1, hold));
        final LeaseBatch batch = new LeaseBatch(hold);
        say("ATTACHED " + ProcessHandle.current().pid());
        final int leased = consumer.lease(batch, hold, Duration.ofSeconds(10));
        if (leased != hold)
        {
            noise("batch lease got " + leased + " of " + hold + ": " + consumer.status());
        }
        for (int i = 0; i < leased; i++)
        {
            say("LEASED " + batch.payload(i).getLong(0) + " " + batch.deliveryCount(i));
        }
        switch (action)
        {
            case "ackAll" -> say("ACKED_ALL " + batch.ackAll());
            case "none" ->
            {
                // leases only
            }
            default -> throw new IllegalArgumentException("unknown action " + action);
        }
        say("DONE");
        awaitCommand("EXIT");
        queue.close();
    }

    /** Waits for a message with the default strategy: registers as a sleeper and blocks (WaitCrashTest). */
    private static void sleep(final Path path)
    {
        final IpcQueue queue = IpcQueue.open(path);
        final Consumer consumer = queue.consumer();
        say("ATTACHED " + ProcessHandle.current().pid());
        final Lease lease = consumer.lease(Duration.ofSeconds(60));
        say("WOKE " + (lease == null ? consumer.status() : "LEASED " + seqOf(lease)));
        queue.close();
    }

    private static void consume(final Path path, final int hold, final String action) throws InterruptedException
    {
        final IpcQueue queue = IpcQueue.open(path);
        final Consumer consumer = queue.consumer(Math.max(1, hold));
        say("ATTACHED " + ProcessHandle.current().pid());
        final List<Lease> leases = new ArrayList<>();
        final List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < hold; i++)
        {
            final Lease lease = consumer.lease(Duration.ofSeconds(10));
            if (lease == null)
            {
                noise("no message to lease: " + consumer.status());
            }
            final long seq = seqOf(lease);
            leases.add(lease);
            seqs.add(seq);
            say("LEASED " + seq + " " + lease.deliveryCount());
        }
        switch (action)
        {
            case "ack" ->
            {
                for (int i = 0; i < leases.size(); i++)
                {
                    if (!leases.get(i).ack())
                    {
                        noise("ack of " + seqs.get(i) + " was fenced before the crash point");
                    }
                    say("ACKED " + seqs.get(i));
                }
            }
            case "release" ->
            {
                for (int i = 0; i < leases.size(); i++)
                {
                    if (!leases.get(i).release())
                    {
                        noise("release of " + seqs.get(i) + " was fenced before the crash point");
                    }
                    say("RELEASED " + seqs.get(i));
                }
            }
            case "extend" ->
            {
                for (int i = 0; i < leases.size(); i++)
                {
                    if (!leases.get(i).extend(Duration.ofSeconds(60)))
                    {
                        noise("extend of " + seqs.get(i) + " was fenced before the crash point");
                    }
                    say("EXTENDED " + seqs.get(i));
                }
            }
            case "hold" ->
            {
                say("HOLDING");
                awaitCommand("GO");
                lateOperations(consumer, leases);
                queue.close();
                say("CLOSED");
                return;
            }
            case "none" ->
            {
                // leases only
            }
            default -> throw new IllegalArgumentException("unknown action " + action);
        }
        say("DONE");
        awaitCommand("EXIT");
        queue.close();
    }

    /**
     * After a pause past the heartbeat timeout: every late operation on the old leases must be fenced, and the
     * consumer must find itself evicted.
     */
    private static void lateOperations(final Consumer consumer, final List<Lease> leases) throws InterruptedException
    {
        if (leases.size() > 0)
        {
            say("ACK " + leases.get(0).ack());
        }
        if (leases.size() > 1)
        {
            say("EXTEND " + leases.get(1).extend(Duration.ofSeconds(60)));
        }
        if (leases.size() > 2)
        {
            say("RELEASE " + leases.get(2).release());
        }
        // The agent notices the eviction at its next beat (a quarter of the heartbeat timeout).
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!consumer.isEvicted() && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(5);
        }
        say("EVICTED " + consumer.isEvicted());
        try
        {
            final Lease lease = consumer.tryLease();
            say("LEASE_RETURNED " + (lease == null ? "null" : Long.toString(seqOf(lease))));
        }
        catch (final RuntimeException ex)
        {
            say("LEASE_THROWS " + ex.getClass().getSimpleName());
            say("LEASE_THROWS_MESSAGE " + ex.getMessage());
        }
    }

    private static void claim(final Path path, final long seq) throws InterruptedException
    {
        final IpcQueue queue = IpcQueue.open(path);
        final Producer producer = queue.producer();
        final Claim claim = new Claim();
        if (producer.tryClaim(0, Long.BYTES, claim) != SendResult.OK)
        {
            noise("no room to claim");
        }
        claim.buffer().putLong(0, seq);
        say("CLAIMED " + Long.toHexString(claim.messageId()));
        awaitCommand("GO");
        // A paused producer keeps its claim: the reaper tombstones only claims of processes that are gone.
        claim.commit();
        say("COMMITTED");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!producer.isEvicted() && System.nanoTime() - deadline < 0)
        {
            Thread.sleep(5);
        }
        say("EVICTED " + producer.isEvicted());
        try
        {
            say("SEND " + producer.trySend(0, payload(seq + 1)));
        }
        catch (final RuntimeException ex)
        {
            say("SEND_THROWS " + ex.getClass().getSimpleName());
        }
        queue.close();
        say("CLOSED");
    }

    private static void reaper(final Path path) throws InterruptedException
    {
        final IpcQueue queue = IpcQueue.open(path);
        // An attached handle starts the background agent, which takes the vacant reaper role.
        queue.consumer(1);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long owner;
        while ((owner = queue.buffer().getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET)) == 0)
        {
            if (System.nanoTime() - deadline > 0)
            {
                noise("the agent never took the reaper role");
            }
            Thread.sleep(1);
        }
        say("REAPER " + owner + " " + ProcessHandle.current().pid());
        awaitCommand("EXIT");
        queue.close();
    }

    // ---------------------------------------------------------------------------------------------------------

    static byte[] payload(final long seq)
    {
        final byte[] bytes = new byte[Long.BYTES];
        new UnsafeBuffer(bytes).putLong(0, seq);
        return bytes;
    }

    static long seqOf(final Lease lease)
    {
        return lease.payload().getLong(0);
    }

    static synchronized void say(final String line)
    {
        System.out.println(line);
        System.out.flush();
    }

    private static void noise(final String why)
    {
        say("NOISE " + why);
        Runtime.getRuntime().halt(NOISE_STATUS);
    }

    private static void awaitCommand(final String command) throws InterruptedException
    {
        while (true)
        {
            final String line = COMMANDS.take();
            if (line.equals(command))
            {
                return;
            }
        }
    }

    private static void startWatchdogs()
    {
        final Thread stdin = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    COMMANDS.add(line.trim());
                }
            }
            catch (final Exception ignore)
            {
                // fall through: the parent is gone
            }
            Runtime.getRuntime().halt(ORPHAN_STATUS);
        }, "crash-child-stdin");
        stdin.setDaemon(true);
        stdin.start();
        final Thread lifetime = new Thread(() ->
        {
            try
            {
                Thread.sleep(MAX_LIFETIME.toMillis());
            }
            catch (final InterruptedException ignore)
            {
                // halt anyway
            }
            Runtime.getRuntime().halt(TOO_LONG_STATUS);
        }, "crash-child-lifetime");
        lifetime.setDaemon(true);
        lifetime.start();
    }
}
