package io.ipcq;

import io.ipcq.internal.ParticipantTable;
import io.ipcq.internal.QueueFile;
import io.ipcq.internal.QueueRings;
import io.ipcq.internal.TickingEpochClock;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.read.QueueView;
import io.ipcq.reaper.LeaseSweeper;
import io.ipcq.reaper.QueueAgent;
import io.ipcq.reaper.Reaper;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import io.ipcq.ring.RingConsumer;
import io.ipcq.wait.LaneWakeups;
import io.ipcq.wait.WaitRegistry;
import io.ipcq.ring.RingProducer;
import io.ipcq.ring.RingSlots;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AtomicBuffer;
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
    private ReapResult unreportedReap;
    private AgentRunner agentRunner;
    private QueueAgent.Idle agentIdle;
    private final java.util.concurrent.atomic.AtomicLong agentErrors = new java.util.concurrent.atomic.AtomicLong();
    private boolean closed;

    private IpcQueue(final QueueFile file, final EpochClock epochClock, final boolean backgroundAgent)
    {
        this.file = file;
        this.backgroundAgent = backgroundAgent;
        this.clock = new QueueClock(epochClock, file.createdEpochMs());
        final long ageMs = epochClock.time() - file.createdEpochMs();
        if (ageMs > QueueDescriptor.MAX_QUEUE_AGE_MS)
        {
            file.close();
            throw new CorruptQueueException(file.path() + " is too old to use: created " + ageMs / 86_400_000L +
                " days ago, past the " + QueueDescriptor.MAX_QUEUE_AGE_MS / 86_400_000L + " days a queue lives " +
                "(its 40-bit deadlines would wrap); drain it and create a new one (or its created-epoch word is " +
                "corrupt)");
        }
        final QueueDescriptor.Geometry geometry = file.geometry();
        final AtomicBuffer buffer = file.buffer();
        this.deadLetters = QueueRings.deadLetters(file, clock);
        this.lanes = new LaneRing[geometry.lanes()];
        for (int lane = 0; lane < lanes.length; lane++)
        {
            lanes[lane] = QueueRings.lane(file, lane, clock, deadLetters);
        }
        final RingSlots[] laneSlots = new RingSlots[lanes.length];
        for (int lane = 0; lane < lanes.length; lane++)
        {
            laneSlots[lane] = lanes[lane].slots();
        }
        deadLetters.repair().redriveLanes(laneSlots);
        this.participants = new ParticipantTable(buffer, geometry.participantTableOffset(),
            geometry.participantCapacity());
        this.waits = new WaitRegistry(buffer, geometry.participantTableOffset(), geometry.participantCapacity());
        for (final LaneRing ring : lanes)
        {
            ring.wakeups(new LaneWakeups(ring.slots().laneEntry(), ring.lane(), waits));
        }
        deadLetters.wakeups(new LaneWakeups(deadLetters.slots().laneEntry(), deadLetters.lane(), waits));
        checkRings(file);
    }

    /**
     * Refuses a file whose lane words contradict each other (docs/protocol.md, "Impossible words"), before anyone
     * loops over its positions.
     */
    private void checkRings(final QueueFile file)
    {
        try
        {
            for (final LaneRing lane : lanes)
            {
                lane.slots().checkPositions();
            }
            deadLetters.slots().checkPositions();
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
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
     * Removes a queue file (its dead-letter ring lives inside it), as {@link #delete(Path, boolean)} with force:
     * also while processes are attached (the owner of a queue tearing it down after stopping its own processes;
     * {@code ipcq delete} asks for the check).
     *
     * @param path the queue file.
     * @return true if the file was removed, false if there was none.
     */
    public static boolean delete(final Path path)
    {
        return delete(path, true);
    }

    /**
     * Removes a queue file (its dead-letter ring lives inside it), and the hidden files that creators of it killed
     * mid-create left behind. Processes that have it mapped keep their mapping until they close it. Refuses a file
     * that does not start with the queue magic, so a wrong path never removes something else; a queue with a
     * corrupt or unfinished header is still removed.
     *
     * @param path  the queue file.
     * @param force also when live processes are attached to it (they keep using a file nobody else can open).
     * @return true if the file was removed, false if there was none.
     * @throws CorruptQueueException if the path is not a regular file starting with the queue magic.
     * @throws QueueException        if live participants are attached (unless forced), or on an I/O error.
     */
    public static boolean delete(final Path path, final boolean force)
    {
        if (path.toString().isEmpty())
        {
            throw new QueueException("cannot delete '': the path is empty");
        }
        QueueFile.removeDeadCreatorsLeftovers(path);
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
            if (!force)
            {
                final String live = liveParticipants(path);
                if (live != null)
                {
                    throw new QueueException("cannot delete " + path + ": " + live + " still attached (they would " +
                        "keep using a file nobody else can open; stop them first, or force)");
                }
            }
            return Files.deleteIfExists(path);
        }
        catch (final NoSuchFileException ex)
        {
            return false;
        }
        catch (final java.nio.file.AccessDeniedException ex)
        {
            throw permissionDenied(path);
        }
        catch (final java.nio.file.FileSystemException ex)
        {
            // unlink(2) in a sticky directory (such as /dev/shm) by someone else than the owner: EPERM.
            if ("Operation not permitted".equals(ex.getReason()) || "Permission denied".equals(ex.getReason()))
            {
                throw permissionDenied(path);
            }
            throw new QueueException("cannot delete " + path + ": " +
                (ex.getReason() == null ? ex.getMessage() : ex.getReason()), ex);
        }
        catch (final IOException ex)
        {
            throw new QueueException("cannot delete " + path + ": " + ex.getMessage(), ex);
        }
    }

    private static QueueException permissionDenied(final Path path)
    {
        return new QueueException("cannot delete " + path + ": permission denied (only the file's owner or root " +
            "can remove it from a sticky directory such as /dev/shm, and checking that it is a queue needs read " +
            "permission)");
    }

    /**
     * @return "N live participants (pids ...)" if processes that exist hold rows of the queue, else null (also
     * for a file whose header cannot be read: there are no rows to trust).
     */
    private static String liveParticipants(final Path path)
    {
        final QueueFile file;
        try
        {
            file = QueueFile.open(path, true);
        }
        catch (final QueueException ex)
        {
            return null;
        }
        try
        {
            final ParticipantTable table = new ParticipantTable(file.buffer(),
                file.geometry().participantTableOffset(), file.geometry().participantCapacity());
            final java.util.TreeSet<Long> pids = new java.util.TreeSet<>();
            int live = 0;
            for (int index = 0; index < table.capacity(); index++)
            {
                final int state = table.rowState(index);
                if (state != ParticipantDescriptor.ROW_FREE && state != ParticipantDescriptor.ROW_DEAD &&
                    io.ipcq.internal.ProcessInfo.isAlive(table.pid(index), table.startTime(index)))
                {
                    live++;
                    pids.add(table.pid(index));
                }
            }
            return live == 0 ? null : live + (live == 1 ? " live participant" : " live participants") +
                " (pid " + pids.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")) +
                ")";
        }
        finally
        {
            file.close();
        }
    }

    /**
     * @return a new producer handle, attached as a participant until closed. Use it from one thread at a time.
     */
    public Producer producer()
    {
        return producer(ParticipantDescriptor.ROLE_PRODUCER);
    }

    /**
     * A producer whose participant row says "bridge in" (role 6), for a bridge that sends messages from JetStream
     * into this queue (docs/bridge.md); its {@link Producer#bridgeCounters()} are shown by {@code ipcq inspect}.
     *
     * @return a new producer handle, attached until closed.
     */
    public Producer bridgeInProducer()
    {
        return producer(ParticipantDescriptor.ROLE_BRIDGE_IN);
    }

    private synchronized Producer producer(final int role)
    {
        checkOpen();
        checkIntact();
        final int row = attachRow(role);
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
    public Consumer consumer(final int maxHeldLeases)
    {
        return consumer(maxHeldLeases, ParticipantDescriptor.ROLE_CONSUMER);
    }

    /**
     * A consumer whose participant row says "bridge out" (role 5), for a bridge that publishes this queue's
     * messages to JetStream (docs/bridge.md); its {@link Consumer#bridgeCounters()} are shown by {@code ipcq inspect}.
     *
     * @param maxHeldLeases how many leases it may hold at once (the bridge's publish window).
     * @return a new consumer handle, attached until closed.
     */
    public Consumer bridgeOutConsumer(final int maxHeldLeases)
    {
        return consumer(maxHeldLeases, ParticipantDescriptor.ROLE_BRIDGE_OUT);
    }

    private synchronized Consumer consumer(final int maxHeldLeases, final int role)
    {
        checkOpen();
        checkIntact();
        checkMaxHeldLeases(maxHeldLeases);
        final int row = attachRow(role);
        final RingConsumer[] servingOrder = new RingConsumer[lanes.length];
        for (int i = 0; i < lanes.length; i++)
        {
            servingOrder[i] = lanes[lanes.length - 1 - i].consumer();
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
        checkIntact();
        checkMaxHeldLeases(maxHeldLeases);
        final int row = attachRow(ParticipantDescriptor.ROLE_DEAD_LETTER_CONSUMER);
        return attached(new Consumer(this, row, new RingConsumer[]{ deadLetters.consumer() }, 0, maxHeldLeases));
    }

    /**
     * @return a consumer of the dead-letter ring, holding at most {@link Consumer#DEFAULT_MAX_HELD_LEASES} leases.
     */
    public Consumer deadLetterConsumer()
    {
        return deadLetterConsumer(Consumer.DEFAULT_MAX_HELD_LEASES);
    }

    /**
     * Seals the queue: sends fail with {@link SendResult#SEALED} from now on, and blocking receives answer
     * {@link ReceiveStatus#END_OF_STREAM} once every message has been acknowledged or dead-lettered.
     * <p>
     * The one truth is each lane's sealed bit (bit 63 of its tail), which producers obey; lanes are sealed from
     * lane 0 up, then the header's sealed word is set as a copy for readers. A sealer that dies between two lanes
     * leaves the queue sealed (see {@link #isSealed()}) but some lanes still open: the next reaper pass seals the
     * rest (docs/protocol.md #15; docs/crash-matrix.md, row SEAL1).
     */
    public void seal()
    {
        checkOpen();
        for (final LaneRing lane : lanes)
        {
            lane.producer().seal();
            if (io.ipcq.internal.CrashPoint.ENABLED)
            {
                io.ipcq.internal.CrashPoint.SEAL_AFTER_LANE.reached();
            }
        }
        file.buffer().putIntRelease(QueueDescriptor.SEALED_OFFSET, 1);
        // Protocol #W4: after the seal CASes, so a sleeper that registered after this scan sees the seal in its recheck.
        waits.wakeAll();
    }

    /**
     * @return true once a seal has begun: lane 0's sealed bit is set (sealing sets lane 0 first, and no bit is
     * ever cleared). The header's sealed word is only a copy, written after every lane.
     */
    public boolean isSealed()
    {
        return lanes[0].slots().isSealed();
    }

    /**
     * Finishes a seal cut short by a crash (lane 0 sealed, a later lane not): run by every reaper pass.
     */
    private void finishSeal()
    {
        if (file.readOnly() || file.broken() != null || !lanes[0].slots().isSealed())
        {
            return;
        }
        for (final LaneRing lane : lanes)
        {
            lane.producer().seal();
        }
        if (file.buffer().getIntVolatile(QueueDescriptor.SEALED_OFFSET) == 0)
        {
            file.buffer().putIntRelease(QueueDescriptor.SEALED_OFFSET, 1);
            // The seal was cut short: sleepers on the lanes sealed just now must see it (protocol #W4).
            waits.wakeAll();
        }
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
            if (!lane.slots().isSealed() || !lane.slots().isDrained())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Drops every message of every lane that waits for a delivery: ready, or waiting for a redelivery
     * (docs/protocol.md #18). Leased messages stay with their holders (they ack or release them as usual), and so
     * do messages being moved to the dead-letter ring. Each message is dropped by one CAS and then freed as an ack
     * frees it, so a crash mid-purge leaves every message either dropped or still in the queue, never both.
     *
     * @param force purge even while leases are held on the lanes.
     * @return how many messages were dropped.
     * @throws QueueException if leases are held on a lane and {@code force} is false (nothing is dropped then).
     */
    public long purge(final boolean force)
    {
        return purge(lanes, force, "the lanes");
    }

    /**
     * As {@link #purge(boolean)}, for one lane.
     *
     * @param lane  the lane.
     * @param force purge even while leases are held on that lane.
     * @return how many messages were dropped.
     * @throws QueueException if leases are held on the lane and {@code force} is false, or the lane does not exist.
     */
    public long purge(final int lane, final boolean force)
    {
        if (lane < 0 || lane >= lanes.length)
        {
            throw new QueueException("lane " + lane + " does not exist in " + file.path() + ": its lanes are 0.." +
                (lanes.length - 1));
        }
        return purge(new LaneRing[]{ lanes[lane] }, force, "lane " + lane);
    }

    /**
     * As {@link #purge(boolean)}, for the dead-letter ring: drops every dead letter not leased by a dead-letter
     * consumer.
     *
     * @param force purge even while dead letters are leased.
     * @return how many dead letters were dropped.
     * @throws QueueException if dead letters are leased and {@code force} is false.
     */
    public long purgeDeadLetters(final boolean force)
    {
        return purge(new LaneRing[]{ deadLetters }, force, "the dead-letter ring");
    }

    private synchronized long purge(final LaneRing[] rings, final boolean force, final String what)
    {
        checkOpen();
        checkIntact();
        if (!force)
        {
            long leased = 0;
            for (final LaneRing ring : rings)
            {
                leased += ring.consumer().leasedCount();
            }
            if (leased > 0)
            {
                throw new QueueException("purge of " + what + " of " + file.path() + " refused: " + leased +
                    (leased == 1 ? " lease is" : " leases are") + " held (force to drop the messages not leased)");
            }
        }
        long purged = 0;
        for (final LaneRing ring : rings)
        {
            purged += ring.consumer().purge();
        }
        return purged;
    }

    /**
     * Moves dead letters back to the lane each was sent on: same id, same origin id, the payload byte for byte, the
     * delivery count reset to 0 (its first lease after the redrive is delivery 1). Takes the dead letters that wait
     * for a delivery (not those leased by a dead-letter consumer) in the ring's order, and stops early if a lane is
     * full or sealed (the dead letter it was moving stays a dead letter). Crash-safe: a kill at any instruction leaves
     * each message either a dead letter or in its lane, never both and never neither, once the reaper has run
     * (docs/protocol.md #19).
     *
     * @param maxCount at most this many.
     * @return how many were moved.
     */
    public long redrive(final long maxCount)
    {
        return redrive(maxCount, -1);
    }

    /**
     * As {@link #redrive(long)}, to one lane whatever lane the dead letters were sent on (ids are kept, so an id still
     * names the lane it was first sent on).
     *
     * @param maxCount at most this many.
     * @param lane     the lane; -1 for each dead letter's own.
     * @return how many were moved.
     * @throws QueueException if the lane does not exist.
     */
    public synchronized long redrive(final long maxCount, final int lane)
    {
        checkOpen();
        checkIntact();
        if (lane < -1 || lane >= lanes.length)
        {
            throw new QueueException("lane " + lane + " does not exist in " + file.path() + ": its lanes are 0.." +
                (lanes.length - 1));
        }
        if (maxCount < 0)
        {
            throw new IllegalArgumentException("maxCount " + maxCount + " is negative");
        }
        ensureReaper();
        final RingProducer[] producers = new RingProducer[lanes.length];
        for (int i = 0; i < lanes.length; i++)
        {
            producers[i] = lanes[i].producer();
        }
        final RingConsumer deadLetterRing = deadLetters.consumer();
        long moved = 0;
        while (moved < maxCount && deadLetterRing.redriveNext(adminRow + 1, producers, lane) == RingConsumer.REDRIVE_OK)
        {
            moved++;
        }
        return moved;
    }

    /**
     * One sweep now: revokes leases past their deadline (requeued, or dead-lettered after max deliveries), retries
     * parked dead letters, and wakes consumers for requeued messages they may have missed. Judges no participant.
     *
     * @return what it did.
     */
    public synchronized ReapResult sweep()
    {
        checkOpen();
        checkIntact();
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
    public synchronized ReapResult reap()
    {
        checkOpen();
        checkIntact();
        ensureReaper();
        ReapResult result = reaper.reap();
        if (unreportedReap != null)
        {
            // What the row-less pass that made room for this process's own row did: part of this reap too.
            result = sum(unreportedReap, result);
            unreportedReap = null;
        }
        finishSeal();
        QueueFile.removeDeadCreatorsLeftovers(file.path());
        for (final AttachedHandle handle : handles)
        {
            if (!participants.isOwnedActive(handle.participantIndex()))
            {
                handle.evict();
            }
        }
        return result;
    }

    /**
     * Takes a free participant row; when none is free, first runs a reaper pass that needs no row of its own to
     * reclaim the rows of processes that are gone (so a queue whose every row belongs to a dead process never
     * wedges), then tries again.
     */
    private int attachRow(final int role)
    {
        int row = participants.tryAttach(role, clock.nowEpochMs());
        if (row < 0 && reclaimGoneRows())
        {
            row = participants.tryAttach(role, clock.nowEpochMs());
        }
        if (row < 0)
        {
            throw participants.fullException();
        }
        return row;
    }

    /**
     * A reaper pass by a process that holds no row: its dead-letter moves name, as their mover, a row whose process
     * is gone (the pass judges that row dead and frees it only after its sweep, so if this process dies mid-move,
     * the move names a gone holder and the next pass parks and retries it, as for any dead mover).
     *
     * @return true if it freed a row.
     */
    private boolean reclaimGoneRows()
    {
        final int donor = participants.firstGoneRow();
        if (donor < 0)
        {
            return false;
        }
        final LeaseSweeper rowlessSweeper = new LeaseSweeper(file.buffer(), lanes, deadLetters, clock,
            donor + 1, file.heartbeatTimeoutMs());
        final ReapResult result =
            new Reaper(participants, rowlessSweeper, clock, file.heartbeatTimeoutMs(), -1, waits).reap();
        unreportedReap = unreportedReap == null ? result : sum(unreportedReap, result);
        return result.reclaimedParticipants() > 0;
    }

    private static ReapResult sum(final ReapResult a, final ReapResult b)
    {
        return new ReapResult(a.expired() + b.expired(), a.deadLettered() + b.deadLettered(),
            a.parked() + b.parked(), a.requeuedSeen() + b.requeuedSeen(), a.revokedDead() + b.revokedDead(),
            a.repairedClaims() + b.repairedClaims(), a.deadParticipants() + b.deadParticipants(),
            a.reclaimedParticipants() + b.reclaimedParticipants());
    }

    private void ensureReaper()
    {
        if (reaper == null)
        {
            adminRow = attachRow(ParticipantDescriptor.ROLE_ADMIN);
            sweeper = new LeaseSweeper(file.buffer(), lanes, deadLetters, clock, adminRow + 1,
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

                public boolean fileIntact()
                {
                    final String reason = file.checkIntact();
                    if (reason != null)
                    {
                        brokenUnder(reason);
                    }
                    return reason == null;
                }
            }, adminRow, file.heartbeatTimeoutMs());
            agentIdle = new QueueAgent.Idle(
                Math.max(1, QueueAgent.beatInterval(file.heartbeatTimeoutMs()) / 2) * 1_000_000L);
            agentRunner = new AgentRunner(agentIdle, new AgentErrors(this), null, new SynchronizedReaping(agent, this));
            final Thread thread = new Thread(agentRunner, "ipcq-agent-" + file.path().getFileName());
            thread.setDaemon(true);
            thread.start();
        }
        return handle;
    }

    /**
     * The agent's error handler: one line on stderr per kind of error (with the stack trace only when the system
     * property {@code ipcq.verbose} is true, as {@code ipcq --verbose} sets it), and every error counted. An
     * {@link InternalError} is what the JVM throws for a fault in a plain read or write of a mapping whose file was
     * truncated: the file is then marked broken, so no one touches the mapping again.
     */
    private static final class AgentErrors implements org.agrona.ErrorHandler
    {
        private final IpcQueue queue;
        private final java.util.Set<String> reported = new java.util.HashSet<>();

        AgentErrors(final IpcQueue queue)
        {
            this.queue = queue;
        }

        @Override
        public void onError(final Throwable error)
        {
            queue.agentErrors.incrementAndGet();
            if (error instanceof InternalError)
            {
                queue.brokenByFault((InternalError)error);
            }
            final String line = "ipcq: agent of " + queue.file.path() + ": " + error.getClass().getSimpleName() +
                (error.getMessage() == null ? "" : ": " + error.getMessage());
            synchronized (reported)
            {
                if (!reported.add(line.replaceAll("[0-9]+", "N")))
                {
                    return;
                }
            }
            System.err.println(line.replaceAll("\\s*[\\r\\n]+\\s*", "; "));
            if (Boolean.getBoolean("ipcq.verbose"))
            {
                error.printStackTrace();
            }
        }
    }

    /**
     * @return how many errors the background agent met (each also reported once on stderr by kind).
     */
    public long agentErrorCount()
    {
        return agentErrors.get();
    }

    /**
     * The file was found truncated or replaced: from now on nothing of this process touches the mapping, and every
     * handle fails its next call with a {@link QueueException} that says why.
     */
    /**
     * The JVM turned a fault on the mapping into an {@link InternalError}: the file was most likely truncated (or
     * replaced) since the last check. Says so when the file's size or identity shows it (the precise reason), else
     * names the fault; either way every handle fails from now on.
     *
     * @param error what the JVM threw.
     */
    void brokenByFault(final InternalError error)
    {
        final String reason = file.checkIntact();
        brokenUnder(reason != null ? reason :
            file.path() + " faulted on a mapped access (" + error.getMessage() + "): truncated while mapped?");
    }

    void brokenUnder(final String reason)
    {
        file.markBroken(reason);
        for (final AttachedHandle handle : handlesSnapshot())
        {
            handle.evict();
        }
    }

    private synchronized List<AttachedHandle> handlesSnapshot()
    {
        return new ArrayList<>(handles);
    }

    /**
     * Runs the agent's duty cycle under the queue's lock, so a reap from the API and one from the agent never
     * overlap (the reaper keeps memory between passes).
     */
    private static final class SynchronizedReaping implements org.agrona.concurrent.Agent
    {
        /** How often the elected reaper looks for what creators killed mid-create left (a directory scan). */
        private static final long LEFTOVER_SCAN_INTERVAL_NS = 60_000_000_000L;

        private final QueueAgent agent;
        private final IpcQueue queue;
        private long nextLeftoverScanNs = System.nanoTime();

        SynchronizedReaping(final QueueAgent agent, final IpcQueue queue)
        {
            this.agent = agent;
            this.queue = queue;
        }

        public int doWork()
        {
            synchronized (queue)
            {
                if (queue.closed || queue.file.broken() != null)
                {
                    return 0;
                }
                final int work = agent.doWork();
                if (work > 0)
                {
                    queue.finishSeal();
                    if (System.nanoTime() - nextLeftoverScanNs >= 0 && queue.adminRow >= 0 &&
                        queue.file.buffer().getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET) == queue.adminRow + 1)
                    {
                        nextLeftoverScanNs = System.nanoTime() + LEFTOVER_SCAN_INTERVAL_NS;
                        QueueFile.removeDeadCreatorsLeftovers(queue.file.path());
                    }
                }
                return work;
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
        try (QueueView view = QueueView.over(file.path().toString(), file.buffer()))
        {
            return QueueStats.read(view, clock.nowEpochMs());
        }
    }

    /**
     * @return the queue file.
     */
    public Path path()
    {
        return file.path();
    }

    /**
     * @return the queue's creation time (header word 64): with the host and the path, what names this queue among
     * every queue ever made (a file made anew at the same path has another).
     */
    public long createdEpochMs()
    {
        return file.createdEpochMs();
    }

    /**
     * @return the number of priority lanes.
     */
    public int lanes()
    {
        return lanes.length;
    }

    /**
     * @return the slots of each lane: at most this many unacked messages per lane.
     */
    public int capacity()
    {
        return file.geometry().laneCapacity();
    }

    /**
     * @return the largest message, in bytes.
     */
    public int maxPayloadLength()
    {
        return file.geometry().maxPayloadLength();
    }

    /**
     * @return the deliveries after which a message goes to the dead-letter ring.
     */
    public int maxDeliveries()
    {
        return file.maxDeliveries();
    }

    /**
     * @return how long a lease lasts unless extended.
     */
    public Duration leaseTimeout()
    {
        return Duration.ofMillis(file.leaseTimeoutMs());
    }

    /**
     * @return how long a participant may be silent before it is presumed dead.
     */
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
            // Outside the lock: the agent's duty cycle takes it. Woken first, so it stops now rather than at the
            // end of its idle sleep (up to half a beat interval: a one-shot command would wait for it).
            agentIdle.wake();
            runner.close();
        }
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            final boolean broken = file.broken() != null;
            for (final AutoCloseable handle : broken ? List.<AutoCloseable>of() : new ArrayList<>(handles))
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
            // A truncated or replaced file is left alone: a write there could crash this JVM (SIGBUS).
            if (adminRow >= 0 && !broken)
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
            if (file.broken() == null)
            {
                participants.detach(row);
            }
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
        file.checkNotBroken();
    }

    /**
     * Looks at the file now (size and identity), as the agent does at each pass.
     *
     * @throws QueueException if it was truncated or replaced.
     */
    private void checkIntact()
    {
        final String reason = file.checkIntact();
        if (reason != null)
        {
            brokenUnder(reason);
            throw QueueFile.brokenException(reason);
        }
    }

}
