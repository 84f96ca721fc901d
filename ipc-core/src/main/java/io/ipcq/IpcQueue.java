package io.ipcq;

import io.ipcq.internal.ParticipantTable;
import io.ipcq.internal.QueueFile;
import io.ipcq.internal.TickingEpochClock;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.reaper.LeaseSweeper;
import io.ipcq.reaper.QueueAgent;
import io.ipcq.reaper.Reaper;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import io.ipcq.wait.LaneWakeups;
import io.ipcq.wait.WaitRegistry;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SystemEpochClock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A queue file mapped into this process. Thread-safe; hands out {@link Producer}s and {@link Consumer}s, each of
 * which belongs to one thread at a time.
 * <pre>{@code
 * try (IpcQueue queue = IpcQueue.create(Path.of("/dev/shm/orders"), QueueConfig.builder().capacity(4096).build());
 *      Producer producer = queue.producer();
 *      Consumer consumer = queue.consumer())
 * {
 *     producer.trySend(0, "hello".getBytes(StandardCharsets.UTF_8));
 *     try (Lease lease = consumer.lease(Duration.ofSeconds(1)))
 *     {
 *         handle(lease.payload(), lease.length());
 *         lease.ack();
 *     }
 * }
 * }</pre>
 */
public final class IpcQueue implements AutoCloseable
{
    private final QueueFile file;
    private final QueueClock clock;
    private final LaneRing[] lanes;
    private final LaneRing deadLetters;
    private final ParticipantTable participants;
    private final WaitRegistry waits;
    private final List<AttachedHandle> handles = new ArrayList<>();
    private final boolean backgroundAgent;
    private volatile int[] attachedRows = new int[0];
    private int adminRow = -1;
    private LeaseSweeper sweeper;
    private Reaper reaper;
    private AgentRunner agentRunner;
    private boolean closed;

    private IpcQueue(final QueueFile file, final EpochClock epochClock, final boolean backgroundAgent)
    {
        this.file = file;
        this.backgroundAgent = backgroundAgent;
        this.clock = new QueueClock(epochClock, file.createdEpochMs());
        final QueueDescriptor.Geometry geometry = file.geometry();
        final AtomicBuffer buffer = file.buffer();
        this.lanes = new LaneRing[geometry.lanes()];
        for (int lane = 0; lane < lanes.length; lane++)
        {
            lanes[lane] = new LaneRing(buffer, lane, geometry.ringOffset(lane), geometry.laneCapacity(),
                geometry.slotLength(), geometry.maxPayloadLength(), clock);
        }
        this.deadLetters = new LaneRing(buffer, geometry.lanes(), geometry.deadLetterRingOffset(),
            geometry.deadLetterCapacity(), geometry.slotLength(), geometry.maxPayloadLength(), clock);
        this.participants = new ParticipantTable(buffer, geometry.participantTableOffset(),
            geometry.participantCapacity());
        this.waits = new WaitRegistry(buffer, geometry.participantTableOffset(), geometry.participantCapacity());
        for (final LaneRing ring : lanes)
        {
            ring.wakeups(new LaneWakeups(buffer, ring.lane(), waits));
        }
        deadLetters.wakeups(new LaneWakeups(buffer, deadLetters.lane(), waits));
    }

    /**
     * Creates a queue file atomically (nobody ever sees it half-made) and maps it.
     *
     * @param path   where, normally under /dev/shm.
     * @param config geometry and settings.
     * @return the mapped queue.
     * @throws QueueException if the file exists (unless forced) or cannot be allocated.
     */
    public static IpcQueue create(final Path path, final QueueConfig config)
    {
        Objects.requireNonNull(config, "config");
        return new IpcQueue(QueueFile.create(path, config, SystemEpochClock.INSTANCE.time()),
            TickingEpochClock.instance(), true);
    }

    /**
     * As {@link #create(Path, QueueConfig)} with a given clock, in manual mode: no background agent beats
     * heartbeats or reaps; the caller drives {@link #sweep()} and {@link #reap()} (tests drive time this way).
     * Other processes' reapers will find this process's participants dead once their heartbeat timeout passes.
     *
     * @param path       where.
     * @param config     geometry and settings.
     * @param epochClock epoch milliseconds, comparable across processes.
     * @return the mapped queue.
     */
    public static IpcQueue create(final Path path, final QueueConfig config, final EpochClock epochClock)
    {
        Objects.requireNonNull(config, "config");
        return new IpcQueue(QueueFile.create(path, config, epochClock.time()), epochClock, false);
    }

    /**
     * Maps an existing queue after checking every header word against the file.
     *
     * @param path the queue file.
     * @return the mapped queue.
     * @throws CorruptQueueException if the file is not a queue, has another version, or is truncated.
     */
    public static IpcQueue open(final Path path)
    {
        return new IpcQueue(QueueFile.open(path, false), TickingEpochClock.instance(), true);
    }

    /**
     * As {@link #open(Path)} with a given clock, in manual mode (see {@link #create(Path, QueueConfig, EpochClock)}).
     *
     * @param path       the queue file.
     * @param epochClock epoch milliseconds.
     * @return the mapped queue.
     */
    public static IpcQueue open(final Path path, final EpochClock epochClock)
    {
        return new IpcQueue(QueueFile.open(path, false), epochClock, false);
    }

    /**
     * Removes a queue file (its dead-letter ring lives inside it). Processes that have it mapped keep their
     * mapping until they close it. Refuses a file that does not start with the queue magic, so a wrong path never
     * removes something else; a queue with a corrupt or unfinished header is still removed.
     *
     * @param path the queue file.
     * @return true if the file was removed, false if there was none.
     * @throws CorruptQueueException if the path is not a regular file starting with the queue magic.
     */
    public static boolean delete(final Path path)
    {
        try
        {
            if (!Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile())
            {
                throw new CorruptQueueException(path + " is not a queue: not a regular file (not deleted)");
            }
            final ByteBuffer head = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
            {
                while (head.hasRemaining() && channel.read(head) >= 0)
                {
                    // read the whole magic, or up to the end of a shorter file
                }
            }
            if (head.position() < Long.BYTES || head.getLong(0) != QueueDescriptor.MAGIC)
            {
                throw new CorruptQueueException(path + " is not an ipcq queue: " + (head.position() < Long.BYTES ?
                    "only " + head.position() + " bytes long" : "its first 8 bytes are not \"IPCQFILE\"") +
                    " (not deleted)");
            }
            return Files.deleteIfExists(path);
        }
        catch (final NoSuchFileException ex)
        {
            return false;
        }
        catch (final IOException ex)
        {
            throw new QueueException("cannot delete " + path + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @return a new producer handle, attached as a participant until closed. Use it from one thread at a time.
     */
    public synchronized Producer producer()
    {
        checkOpen();
        final int row = participants.attach(ParticipantDescriptor.ROLE_PRODUCER, clock.nowEpochMs());
        return attached(new Producer(this, row));
    }

    /**
     * @return a new consumer handle that may hold up to 64 leases at once.
     */
    public Consumer consumer()
    {
        return consumer(Consumer.DEFAULT_MAX_HELD_LEASES);
    }

    /**
     * @param maxHeldLeases how many leases this consumer may hold at once (its lease objects are made up front).
     * @return a new consumer handle, attached as a participant until closed. Use it from one thread at a time.
     */
    public synchronized Consumer consumer(final int maxHeldLeases)
    {
        checkOpen();
        checkMaxHeldLeases(maxHeldLeases);
        final int row = participants.attach(ParticipantDescriptor.ROLE_CONSUMER, clock.nowEpochMs());
        final LaneRing[] servingOrder = new LaneRing[lanes.length];
        for (int i = 0; i < lanes.length; i++)
        {
            servingOrder[i] = lanes[lanes.length - 1 - i];
        }
        return attached(new Consumer(this, row, servingOrder, file.maxDeliveries(), maxHeldLeases));
    }

    /**
     * @param maxHeldLeases how many leases it may hold at once.
     * @return a consumer of the dead-letter ring: same leases and acks; a released dead letter stays there.
     */
    public synchronized Consumer deadLetterConsumer(final int maxHeldLeases)
    {
        checkOpen();
        checkMaxHeldLeases(maxHeldLeases);
        final int row = participants.attach(ParticipantDescriptor.ROLE_DEAD_LETTER_CONSUMER, clock.nowEpochMs());
        return attached(new Consumer(this, row, new LaneRing[]{ deadLetters }, 0, maxHeldLeases));
    }

    public Consumer deadLetterConsumer()
    {
        return deadLetterConsumer(Consumer.DEFAULT_MAX_HELD_LEASES);
    }

    /**
     * Seals the queue: sends fail with {@link SendResult#SEALED} from now on, and blocking receives answer
     * {@link ReceiveStatus#END_OF_STREAM} once every message has been acknowledged or dead-lettered.
     */
    public void seal()
    {
        checkOpen();
        file.buffer().putIntRelease(QueueDescriptor.SEALED_OFFSET, 1);
        for (final LaneRing lane : lanes)
        {
            lane.seal();
        }
        // Protocol #W4: after the seal CASes, so a sleeper that registered after this scan sees the seal in its recheck.
        waits.wakeAll();
    }

    public boolean isSealed()
    {
        return file.buffer().getIntVolatile(QueueDescriptor.SEALED_OFFSET) != 0;
    }

    /**
     * @return true if sealed and every lane is drained: the end of the stream.
     */
    public boolean isEndOfStream()
    {
        if (!isSealed())
        {
            return false;
        }
        for (final LaneRing lane : lanes)
        {
            if (!lane.isSealed() || !lane.isDrained())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * One sweep now: revokes leases past their deadline (requeued, or dead-lettered after max deliveries), retries
     * parked dead letters, and wakes consumers for requeued messages they may have missed. Judges no participant.
     *
     * @return what it did.
     */
    public synchronized LeaseSweeper.Result sweep()
    {
        checkOpen();
        ensureReaper();
        return sweeper.sweep();
    }

    /**
     * One reaper pass now: a sweep, plus every participant judged (process gone, or heartbeat older than the
     * heartbeat timeout); a dead one's leases are requeued and, once its process is gone, its claims repaired and its
     * row freed. Attached processes run this in the background anyway (one elected reaper per queue).
     *
     * @return what it did.
     */
    public synchronized LeaseSweeper.Result reap()
    {
        checkOpen();
        ensureReaper();
        final LeaseSweeper.Result result = reaper.reap();
        for (final AttachedHandle handle : handles)
        {
            if (!participants.isOwnedActive(handle.participantIndex()))
            {
                handle.evict();
            }
        }
        return result;
    }

    private void ensureReaper()
    {
        if (reaper == null)
        {
            adminRow = participants.attach(ParticipantDescriptor.ROLE_ADMIN, clock.nowEpochMs());
            sweeper = new LeaseSweeper(file.buffer(), lanes, deadLetters, clock, file.maxDeliveries(), adminRow + 1,
                file.heartbeatTimeoutMs());
            reaper = new Reaper(participants, sweeper, clock, file.heartbeatTimeoutMs(), adminRow, waits);
        }
    }

    private <T extends AttachedHandle> T attached(final T handle)
    {
        handles.add(handle);
        refreshAttachedRows();
        if (backgroundAgent && agentRunner == null)
        {
            ensureReaper();
            final QueueAgent agent = new QueueAgent(file.buffer(), participants, clock, reaper, new QueueAgent.Rows()
            {
                public int[] attachedRows()
                {
                    return attachedRows;
                }

                public void evicted(final int row)
                {
                    evict(row);
                }
            }, adminRow, file.heartbeatTimeoutMs());
            agentRunner = new AgentRunner(
                new SleepingMillisIdleStrategy(Math.max(1, QueueAgent.beatInterval(file.heartbeatTimeoutMs()) / 2)),
                Throwable::printStackTrace, null, new SynchronizedReaping(agent, this));
            final Thread thread = new Thread(agentRunner, "ipcq-agent-" + file.path().getFileName());
            thread.setDaemon(true);
            thread.start();
        }
        return handle;
    }

    /**
     * Runs the agent's duty cycle under the queue's lock, so a reap from the API and one from the agent never
     * overlap (the reaper keeps memory between passes).
     */
    private record SynchronizedReaping(QueueAgent agent, IpcQueue queue) implements org.agrona.concurrent.Agent
    {
        public int doWork()
        {
            synchronized (queue)
            {
                return queue.closed ? 0 : agent.doWork();
            }
        }

        public void onClose()
        {
            agent.onClose();
        }

        public String roleName()
        {
            return agent.roleName();
        }
    }

    private synchronized void evict(final int row)
    {
        for (final AttachedHandle handle : handles)
        {
            if (handle.participantIndex() == row)
            {
                handle.evict();
            }
        }
    }

    private void refreshAttachedRows()
    {
        final int[] rows = new int[handles.size()];
        for (int i = 0; i < rows.length; i++)
        {
            rows[i] = handles.get(i).participantIndex();
        }
        attachedRows = rows;
    }

    /**
     * @return counts by slot state and counters, read from the live file (see docs for what can be off mid-flight).
     */
    public QueueStats stats()
    {
        checkOpen();
        return QueueStats.read(file, participants, clock.nowEpochMs());
    }

    public Path path()
    {
        return file.path();
    }

    public int lanes()
    {
        return lanes.length;
    }

    public int capacity()
    {
        return file.geometry().laneCapacity();
    }

    public int maxPayloadLength()
    {
        return file.geometry().maxPayloadLength();
    }

    public int maxDeliveries()
    {
        return file.maxDeliveries();
    }

    public Duration leaseTimeout()
    {
        return Duration.ofMillis(file.leaseTimeoutMs());
    }

    public Duration heartbeatTimeout()
    {
        return Duration.ofMillis(file.heartbeatTimeoutMs());
    }

    /**
     * Closes every handle still open (their leases are released), then unmaps the file. Call it only once the
     * threads using those handles have stopped.
     */
    @Override
    public void close()
    {
        final AgentRunner runner;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            runner = agentRunner;
        }
        if (runner != null)
        {
            // Outside the lock: the agent's duty cycle takes it.
            runner.close();
        }
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            for (final AutoCloseable handle : new ArrayList<>(handles))
            {
                try
                {
                    handle.close();
                }
                catch (final Exception ignore)
                {
                    // keep closing the others
                }
            }
            if (adminRow >= 0)
            {
                participants.detach(adminRow);
            }
            closed = true;
            file.close();
        }
    }

    // --------------------------------------------------------------------------------------------------------
    // For the handles
    // --------------------------------------------------------------------------------------------------------

    QueueFile file()
    {
        return file;
    }

    AtomicBuffer buffer()
    {
        return file.buffer();
    }

    LaneRing lane(final int lane)
    {
        if (lane < 0 || lane >= lanes.length)
        {
            throw new IllegalArgumentException("lane " + lane + " does not exist: this queue has lanes 0.." +
                (lanes.length - 1));
        }
        return lanes[lane];
    }

    LaneRing deadLetterRing()
    {
        return deadLetters;
    }

    QueueClock clock()
    {
        return clock;
    }

    ParticipantTable participants()
    {
        return participants;
    }

    WaitRegistry waits()
    {
        return waits;
    }

    /**
     * @return the longest a waiter blocks in the kernel before it rechecks by itself: the reaper's period. Bounds
     * the wait of a sleeper no one can wake (a futex sleeper, when the sender runs on JDK 17; a producer that died
     * between its commit and its wake).
     */
    long maxBlockNs()
    {
        return QueueAgent.beatInterval(file.heartbeatTimeoutMs()) * 1_000_000L;
    }

    synchronized void detached(final AttachedHandle handle, final int row)
    {
        if (handles.remove(handle) && !closed)
        {
            participants.detach(row);
            refreshAttachedRows();
        }
    }

    private static void checkMaxHeldLeases(final int maxHeldLeases)
    {
        // Before attaching: a refused consumer must not leave a participant row behind.
        if (maxHeldLeases < 1)
        {
            throw new IllegalArgumentException("a consumer must be able to hold at least one lease: " + maxHeldLeases);
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("queue " + file.path() + " is closed");
        }
    }

}
