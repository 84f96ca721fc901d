package io.ipcq;

import io.ipcq.internal.CrashPoint;
import io.ipcq.internal.QueueFile;
import io.ipcq.internal.QueueRings;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import io.ipcq.ring.RingSlots;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.ipcq.CrashChild.payload;
import static io.ipcq.CrashChild.seqOf;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The crash rows of redrive and purge (docs/crash-matrix.md, "Redrive and purge"): a child JVM halts at one step of
 * the third message it redrives (or purges); then this process runs reaper passes and proves every message is in
 * exactly one place: the messages redriven before the crash in their lane, the one in flight in the place its row
 * names, the rest still dead letters (or, for purge, the purged ones gone, the rest in the lane once each), ids,
 * origin ids and payloads kept, nothing invalid in the file, and every slot of the lanes and the dead-letter ring
 * usable again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeadLetterCleanupCrashTest
{
    static final int MESSAGES = 6;
    static final int IN_FLIGHT = 2;
    static final int CAPACITY = 16;
    static final long ORIGIN_BASE = 1000;
    static final Duration CHILD_BOUND = Duration.ofSeconds(60);

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    /**
     * @param name             the row's name in docs/crash-matrix.md.
     * @param point            where the child halts, at its third passage.
     * @param inFlightInLane   where the message in flight ends: its lane (true) or the dead-letter ring.
     * @param deadLetterSideFirst whether the dead-letter ring's repair of the redrive runs before any lane's (the
     *                         reaper's own pass repairs the lanes first).
     */
    record Row(String name, CrashPoint point, boolean inFlightInLane, boolean deadLetterSideFirst)
    {
        @Override
        public String toString()
        {
            return name;
        }
    }

    static Stream<Row> redriveRows()
    {
        return Stream.of(
            new Row("RD1-redrive-after-state-CAS", CrashPoint.REDRIVE_AFTER_STATE_CAS, false, false),
            new Row("RD2-redrive-after-claim", CrashPoint.REDRIVE_AFTER_CLAIM, false, false),
            new Row("RD3-redrive-after-copy", CrashPoint.REDRIVE_AFTER_COPY, false, false),
            new Row("RD4-redrive-after-target", CrashPoint.REDRIVE_AFTER_TARGET, false, false),
            new Row("RD4b-redrive-after-target-dead-letter-side-first", CrashPoint.REDRIVE_AFTER_TARGET, false, true),
            new Row("RD5-redrive-after-READY-CAS", CrashPoint.REDRIVE_AFTER_READY_CAS, true, false),
            new Row("RD5b-redrive-after-READY-CAS-dead-letter-side-first", CrashPoint.REDRIVE_AFTER_READY_CAS, true,
                true),
            new Row("RD6-redrive-after-commit", CrashPoint.REDRIVE_AFTER_COMMIT, true, false),
            new Row("RD7-redrive-after-free-CAS", CrashPoint.REDRIVE_AFTER_FREE_CAS, true, false),
            new Row("RD8-redrive-after-free", CrashPoint.REDRIVE_AFTER_FREE, true, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("redriveRows")
    void redriveCrash(final Row row) throws Exception
    {
        final Path path = queues.newPath();
        final Map<Long, Long> ids = new HashMap<>();
        try (IpcQueue queue = IpcQueue.create(path, config().build(), SystemEpochClock.INSTANCE))
        {
            final Producer producer = queue.producer();
            final Consumer consumer = queue.consumer();
            for (int seq = 0; seq < MESSAGES; seq++)
            {
                final byte[] bytes = payload(seq);
                assertEquals(SendResult.OK,
                    producer.trySend(seq % 2, new UnsafeBuffer(bytes), 0, bytes.length, ORIGIN_BASE + seq));
                final Lease lease = consumer.tryLease();
                assertEquals(seq, seqOf(lease));
                ids.put((long)seq, lease.id());
                assertTrue(lease.release(), "max deliveries 1: dead-lettered");
            }
            assertEquals(MESSAGES, queue.stats().deadLettered());
        }

        runChild(row.point(), "redrive", path);

        try (IpcQueue queue = IpcQueue.open(path, SystemEpochClock.INSTANCE))
        {
            if (row.deadLetterSideFirst())
            {
                repairDeadLetterSideFirst(path, row.point());
            }
            queue.reap();
            queue.reap();
            assertNothingInvalid(queue);

            final Map<Long, Integer> inLanes = new TreeMap<>();
            final Map<Long, Integer> deadLetters = new TreeMap<>();
            try (Consumer consumer = queue.consumer(); Consumer deadLetterConsumer = queue.deadLetterConsumer())
            {
                drain(consumer, ids, inLanes, 1);
                drain(deadLetterConsumer, ids, deadLetters, 2);
            }
            for (long seq = 0; seq < MESSAGES; seq++)
            {
                final boolean inLane = seq < IN_FLIGHT || (seq == IN_FLIGHT && row.inFlightInLane());
                assertEquals(inLane ? 1 : 0, inLanes.getOrDefault(seq, 0), "message " + seq + " in its lane");
                assertEquals(inLane ? 0 : 1, deadLetters.getOrDefault(seq, 0), "message " + seq + " a dead letter");
            }
            assertWholeLapAgain(queue);
        }
    }

    static Stream<Row> purgeRows()
    {
        return Stream.of(
            new Row("PG1-purge-after-state-CAS", CrashPoint.PURGE_AFTER_STATE_CAS, false, false),
            new Row("PG2-purge-after-sequence", CrashPoint.PURGE_AFTER_SEQUENCE, false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("purgeRows")
    void purgeCrash(final Row row) throws Exception
    {
        final Path path = queues.newPath();
        final Map<Long, Long> ids = new HashMap<>();
        try (IpcQueue queue = IpcQueue.create(path, config().build(), SystemEpochClock.INSTANCE);
             Producer producer = queue.producer())
        {
            for (int seq = 0; seq < MESSAGES; seq++)
            {
                assertEquals(SendResult.OK, producer.trySend(seq % 2, payload(seq)));
            }
        }

        runChild(row.point(), "purge", path);

        try (IpcQueue queue = IpcQueue.open(path, SystemEpochClock.INSTANCE))
        {
            queue.reap();
            assertNothingInvalid(queue);
            final Map<Long, Integer> inLanes = new TreeMap<>();
            try (Consumer consumer = queue.consumer())
            {
                drain(consumer, null, inLanes, 1);
            }
            // Lane 0 is purged first (seqs 0, 2, 4), then lane 1: the third purged message is seq 4, the one in
            // flight; its CAS to FREE was the decision, so it is gone whatever step of its free the child reached.
            assertEquals(Map.of(1L, 1, 3L, 1, 5L, 1), inLanes);
            assertWholeLapAgain(queue);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static QueueConfig.Builder config()
    {
        return QueueConfig.builder().lanes(2).capacity(CAPACITY).deadLetterCapacity(CAPACITY).maxPayloadLength(64)
            .maxDeliveries(1).leaseTimeout(Duration.ofSeconds(60)).heartbeatTimeout(Duration.ofMillis(500));
    }

    private static void runChild(final CrashPoint point, final String mode, final Path path) throws Exception
    {
        try (ChildJvm child = ChildJvm.start(point.name() + ":" + (IN_FLIGHT + 1), mode, path.toString()))
        {
            final int status = child.awaitExit(CHILD_BOUND);
            assertEquals(CrashPoint.HALT_STATUS, status, child::log);
        }
    }

    /**
     * The dead-letter ring's repair of the redrive first, as a second reaper whose pass reached the dead-letter ring
     * before this one's lane pass would: it decides from the claim in the lane alone.
     */
    private static void repairDeadLetterSideFirst(final Path path, final CrashPoint point)
    {
        try (QueueFile file = QueueFile.open(path, false))
        {
            final QueueClock clock = new QueueClock(SystemEpochClock.INSTANCE, file.createdEpochMs());
            final LaneRing deadLetters = QueueRings.deadLetters(file, clock);
            final RingSlots[] lanes = new RingSlots[file.geometry().lanes()];
            for (int lane = 0; lane < lanes.length; lane++)
            {
                lanes[lane] = QueueRings.lane(file, lane, clock, deadLetters).slots();
            }
            deadLetters.repair().redriveLanes(lanes);
            final AtomicBuffer slots = deadLetters.slots().buffer();
            int redriving = 0;
            for (int index = 0; index < CAPACITY; index++)
            {
                final int slot = deadLetters.slots().slotOffset(index);
                final long word = slots.getLongVolatile(slot + SlotDescriptor.LEASE_STATE_OFFSET);
                if (LeaseState.state(word) != LeaseState.REDRIVING)
                {
                    continue;
                }
                redriving++;
                final long target = slots.getLongVolatile(slot + SlotDescriptor.REDRIVE_TARGET_OFFSET);
                assertNotEquals(SlotDescriptor.NO_REDRIVE_TARGET, target, "the child halted after storing it");
                final RingSlots lane = lanes[SlotDescriptor.redriveTargetLane(target)];
                final long claim = SlotDescriptor.redriveTargetPosition(target);
                final long sequence = slots.getLongVolatile(slot + SlotDescriptor.SEQUENCE_OFFSET);
                deadLetters.repair().repairRedrive(index, sequence, word);
                final long claimWord = lane.leaseStateWord(claim);
                final long after = slots.getLongVolatile(slot + SlotDescriptor.LEASE_STATE_OFFSET);
                if (point == CrashPoint.REDRIVE_AFTER_TARGET)
                {
                    assertEquals(LeaseState.FREE, LeaseState.state(claimWord), "the claim is tombstoned");
                    assertEquals(claim + CAPACITY, lane.sequence(claim), "and freed");
                    assertEquals(LeaseState.REQUEUED, LeaseState.state(after), "the dead letter is back");
                    assertEquals(SlotDescriptor.NO_REDRIVE_TARGET,
                        slots.getLongVolatile(slot + SlotDescriptor.REDRIVE_TARGET_OFFSET));
                }
                else
                {
                    assertEquals(LeaseState.READY, LeaseState.state(claimWord), "the copy is committed");
                    assertEquals(claim + 1, lane.sequence(claim), "its commit finished");
                    assertEquals(LeaseState.FREE, LeaseState.state(after), "the dead letter is freed");
                }
            }
            assertEquals(1, redriving, "exactly the dead letter in flight");
        }
    }

    private static void drain(
        final Consumer consumer, final Map<Long, Long> ids, final Map<Long, Integer> seen, final int deliveryCount)
    {
        for (Lease lease = consumer.tryLease(); lease != null; lease = consumer.tryLease())
        {
            final long seq = seqOf(lease);
            if (ids != null)
            {
                assertEquals(ids.get(seq), lease.id(), "message " + seq + " keeps its id");
                assertEquals(ORIGIN_BASE + seq, lease.originId(), "message " + seq + " keeps its origin id");
                assertEquals(seq % 2, lease.lane());
                assertEquals(deliveryCount, lease.deliveryCount(), "message " + seq);
            }
            seen.merge(seq, 1, Integer::sum);
            assertTrue(lease.ack());
        }
    }

    private static void assertNothingInvalid(final IpcQueue queue)
    {
        final QueueStats stats = queue.stats();
        assertEquals(0, stats.lanes().stream().mapToInt(QueueStats.LaneStats::invalid).sum());
        assertEquals(0, stats.deadLetters().invalid());
        assertEquals(0, stats.deadLetters().redriving(), "no dead letter left REDRIVING");
        assertEquals(0, stats.lanes().stream().mapToInt(QueueStats.LaneStats::claimed).sum(), "no claim left");
    }

    private static void assertWholeLapAgain(final IpcQueue queue)
    {
        assertEquals(queue.stats().capacity(), queue.stats().free(), "capacity back to full");
        assertEquals(0, queue.stats().deadLetters().occupied());
        try (Producer producer = queue.producer(); Consumer consumer = queue.consumer())
        {
            for (int lane = 0; lane < 2; lane++)
            {
                for (int i = 0; i < CAPACITY; i++)
                {
                    assertEquals(SendResult.OK, producer.trySend(lane, payload(100 + i)), "lane " + lane + ", " + i);
                }
            }
            int drained = 0;
            for (Lease lease = consumer.tryLease(); lease != null; lease = consumer.tryLease())
            {
                assertTrue(lease.ack());
                drained++;
            }
            assertEquals(2 * CAPACITY, drained);
        }
        assertEquals(queue.stats().capacity(), queue.stats().free());
    }
}
