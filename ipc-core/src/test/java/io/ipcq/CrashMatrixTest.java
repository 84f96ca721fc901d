package io.ipcq;

import io.ipcq.internal.CrashPoint;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.ring.RingSlots;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.ipcq.CrashChild.payload;
import static io.ipcq.CrashChild.seqOf;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The crash matrix (docs/crash-matrix.md), one parameterized case per row: a child JVM halts at exactly one step of
 * the protocol ({@code -Dipcq.test.crashAt=NAME:N}, exit status 99) while producing, consuming or reaping; then this
 * process, relying on its own background reaper (the elected one, as in production), proves:
 * <ul>
 *   <li>no message lost: every message whose send returned OK, and every message the child had leased, is resolved
 *   (acked, or read from the dead-letter ring) exactly once; the message in flight at the crash as often as its row
 *   allows (never twice, except a dead-letter copy where the row says at-least-once);</li>
 *   <li>none given to two live holders at once (two consumers here lease side by side; the dead child holds
 *   nothing);</li>
 *   <li>no consumer stuck behind the dead producer's claim: messages sent after the crash are delivered;</li>
 *   <li>the child's participant rows are reclaimed, capacity is back to full after draining, and every slot of the
 *   lane (and of the dead-letter ring, in the dead-letter rows) can be used again: a whole lap more is sent and
 *   drained; then seal, and a consumer sees the end of the stream.</li>
 * </ul>
 * On failure the queue file, a dump of its words and the child's output are kept in
 * {@code target/crash-evidence/CrashMatrixTest-<row>/}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashMatrixTest
{
    static final int CAPACITY = 64;
    static final int DEAD_LETTER_CAPACITY = 16;
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(500);
    /** Lease timeout of rows whose recovery must come from death detection, not expiry. */
    static final Duration LONG_LEASE = Duration.ofSeconds(60);
    /** Lease timeout of the rows about expiry (the child is the reaper that expires the parent's leases). */
    static final Duration SHORT_LEASE = Duration.ofMillis(300);
    /** Generous bounds: they fail a test rather than hang it; nothing here is a timed assertion of speed. */
    static final Duration CHILD_BOUND = Duration.ofSeconds(30);
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);
    /** Messages a producer child sends (it halts at the {@code nth}); messages sent by this process before a
     * consumer child starts; messages sent by this process after the crash. */
    static final int CHILD_SENDS = 20;
    static final int SENT_BEFORE = 20;
    static final int SENT_AFTER = 20;
    static final long AFTER_BASE = 100;
    /** Leases a consumer child takes before acting on them in lease order. */
    static final int CHILD_HOLDS = 5;
    /** Leases this process holds past their deadline in the rows where the child is the reaper. */
    static final int PARENT_HOLDS = 3;
    /** The skip row: messages this process sends first (one lap less the child's 10 sends that return OK), and the
     * oldest of them it keeps leased (the rest it acks), so that the child's 11th send comes round to held slots. */
    static final int SKIP_SETUP = CAPACITY - CHILD_SENDS / 2;
    static final int SKIP_HELD = 2;
    static final long SETUP_BASE = 300;

    /**
     * What the child does: produce, consume, reap; or produce into a lane this process prepared so that the child's
     * 11th send must skip slots still holding messages this process has leased (SKIPPING_PRODUCER).
     */
    enum Part
    {
        PRODUCER, SKIPPING_PRODUCER, CONSUMER, REAPER,
        /** Sends 0..19 in batches of {@link #BATCH} (one tail step per batch on the empty lane). */
        BATCH_PRODUCER,
        /** Leases {@link #CHILD_HOLDS} with one batch lease, then its action (none, ackAll). */
        BATCH_CONSUMER
    }

    /** Messages per batch of the batch producer child: it halts in its 3rd batch, messages 8..11. */
    static final int BATCH = 4;

    /**
     * One row of the matrix.
     *
     * @param name          the row's name in docs/crash-matrix.md and in the test report.
     * @param point         where the child halts.
     * @param nth           at its nth passage there.
     * @param part          what the child does.
     * @param action        for a consumer child: what it does with its leases (ack, release, extend, none).
     * @param maxDeliveries the queue's; 1 in the dead-letter rows, so a release or an expiry dead-letters.
     * @param inFlightMin   fewest resolutions (acks + dead-letter copies) after the crash of the message in flight
     *                      (when the parent knows which one it is).
     * @param inFlightMax   most resolutions of it.
     * @param duplicateDeadLetterAllowed whether one message may reach the dead-letter ring twice (the in-flight one
     *                      of a reaper row, which the parent cannot name).
     */
    record Row(String name, CrashPoint point, int nth, Part part, String action, int maxDeliveries,
        int inFlightMin, int inFlightMax, boolean duplicateDeadLetterAllowed)
    {
        String crashAt()
        {
            return point.name() + ":" + nth;
        }

        boolean deadLetters()
        {
            return maxDeliveries == 1;
        }

        @Override
        public String toString()
        {
            return name;
        }
    }

    static Stream<Row> rows()
    {
        final int n = CHILD_SENDS / 2 + 1;
        return Stream.of(
            // Producer child: sends 0..19, halts in the 11th send (message 10 is in flight).
            new Row("P1-claim-after-tail-CAS", CrashPoint.CLAIM_AFTER_TAIL_CAS, n, Part.PRODUCER, null, 5, 0, 0, false),
            new Row("P2-claim-after-CLAIMED", CrashPoint.CLAIM_AFTER_CLAIMED, n, Part.PRODUCER, null, 5, 0, 0, false),
            new Row("P3-send-after-payload-write", CrashPoint.SEND_AFTER_PAYLOAD_WRITE, n, Part.PRODUCER, null, 5, 0, 0,
                false),
            new Row("P4-commit-after-READY", CrashPoint.COMMIT_AFTER_READY, n, Part.PRODUCER, null, 5, 0, 1, false),
            new Row("P5-commit-after-sequence", CrashPoint.COMMIT_AFTER_SEQUENCE, n, Part.PRODUCER, null, 5, 1, 1,
                false),
            // Producer child, 11th send: positions 0 and 1 still leased here, the rest of the lap acked, so it skips
            // them; it halts at its first skip mark (slot of position 0 marked, the tail not moved on).
            new Row("P6-skip-after-mark", CrashPoint.SKIP_AFTER_MARK, 1, Part.SKIPPING_PRODUCER, null, 5, 0, 0, false),
            // Consumer child: leases 5 (halting in the 4th lease for the lease rows), then acts on them in order and
            // halts in the 3rd action: 2 done, 1 in flight, 2 still held.
            new Row("C1-lease-after-state-CAS", CrashPoint.LEASE_AFTER_STATE_CAS, 4, Part.CONSUMER, "none", 5, 1, 1,
                false),
            new Row("C2-lease-after-cursor-CAS", CrashPoint.LEASE_AFTER_CURSOR_CAS, 4, Part.CONSUMER, "none", 5, 1, 1,
                false),
            new Row("C3-lease-after-deadline", CrashPoint.LEASE_AFTER_DEADLINE, 4, Part.CONSUMER, "none", 5, 1, 1, false),
            new Row("C4-read-after-payload", CrashPoint.READ_AFTER_PAYLOAD, 4, Part.CONSUMER, "none", 5, 1, 1, false),
            new Row("C5-ack-after-state-CAS", CrashPoint.ACK_AFTER_STATE_CAS, 3, Part.CONSUMER, "ack", 5, 0, 0, false),
            new Row("C6-ack-after-sequence", CrashPoint.ACK_AFTER_SEQUENCE, 3, Part.CONSUMER, "ack", 5, 0, 0, false),
            new Row("C7-release-after-state-CAS", CrashPoint.RELEASE_AFTER_STATE_CAS, 3, Part.CONSUMER, "release", 5, 1,
                1, false),
            new Row("C8-release-after-requeue-count", CrashPoint.RELEASE_AFTER_REQUEUE_COUNT, 3, Part.CONSUMER,
                "release", 5, 1, 1, false),
            new Row("C9-extend-after-deadline-CAS", CrashPoint.EXTEND_AFTER_DEADLINE_CAS, 3, Part.CONSUMER, "extend", 5,
                1, 1, false),
            // Consumer child as dead-letter mover: max deliveries 1, so each release moves the message to the
            // dead-letter ring; halts in the 3rd move.
            new Row("D1-dead-letter-after-state-CAS", CrashPoint.DEAD_LETTER_AFTER_STATE_CAS, 3, Part.CONSUMER,
                "release", 1, 1, 1, false),
            new Row("D2-dead-letter-after-claim-in-dead-letter-ring", CrashPoint.CLAIM_AFTER_CLAIMED, 3, Part.CONSUMER,
                "release", 1, 1, 1, false),
            new Row("D3-dead-letter-after-READY-in-dead-letter-ring", CrashPoint.COMMIT_AFTER_READY, 3, Part.CONSUMER,
                "release", 1, 1, 2, false),
            new Row("D4-dead-letter-after-copy-commit", CrashPoint.DEAD_LETTER_AFTER_COPY_COMMIT, 3, Part.CONSUMER,
                "release", 1, 1, 2, false),
            new Row("D5-dead-letter-after-free", CrashPoint.DEAD_LETTER_AFTER_FREE, 3, Part.CONSUMER, "release", 1, 1,
                1, false),
            // Child as the elected reaper, expiring leases this process holds past a 300 ms deadline; halts at the
            // 2nd passage (one expiry done, one in flight, one perhaps untouched).
            new Row("R1-reaper-expire-after-deadline-CAS", CrashPoint.EXPIRE_AFTER_DEADLINE_CAS, 2, Part.REAPER, null, 5,
                1, 1, false),
            new Row("R2-reaper-requeue-after-state-CAS", CrashPoint.RELEASE_AFTER_STATE_CAS, 2, Part.REAPER, null, 5, 1,
                1, false),
            new Row("R3-reaper-dead-letter-after-state-CAS", CrashPoint.DEAD_LETTER_AFTER_STATE_CAS, 2, Part.REAPER,
                null, 1, 1, 1, false),
            new Row("R4-reaper-dead-letter-after-copy-commit", CrashPoint.DEAD_LETTER_AFTER_COPY_COMMIT, 2, Part.REAPER,
                null, 1, 1, 1, true),
            new Row("R5-reaper-dead-letter-after-free", CrashPoint.DEAD_LETTER_AFTER_FREE, 2, Part.REAPER, null, 1, 1,
                1, false),
            // Batch producer child: batches of 4, halts in its 3rd batch (messages 8..11, positions 8..11; 8 is
            // the in-flight message named, 9..11 must never appear unless the row says committed).
            new Row("B1-batch-claim-after-tail-CAS", CrashPoint.CLAIM_AFTER_TAIL_CAS, 3, Part.BATCH_PRODUCER, null, 5,
                0, 0, false),
            new Row("B2-batch-claim-after-2nd-CLAIMED", CrashPoint.CLAIM_AFTER_CLAIMED, 2 * BATCH + 2,
                Part.BATCH_PRODUCER, null, 5, 0, 0, false),
            new Row("B3-batch-send-after-1st-commit", CrashPoint.COMMIT_AFTER_SEQUENCE, 2 * BATCH + 1,
                Part.BATCH_PRODUCER, null, 5, 1, 1, false),
            // Batch consumer child: one batch lease of 5 at the cursor. L1 halts before its cursor CAS (5 slots
            // LEASED ahead of the cursor); L2 leases, then halts in the 3rd ack of its ackAll.
            new Row("L1-batch-lease-before-cursor-CAS", CrashPoint.BATCH_LEASE_BEFORE_CURSOR_CAS, 1,
                Part.BATCH_CONSUMER, "none", 5, 1, 1, false),
            new Row("L2-batch-ackAll-after-3rd-state-CAS", CrashPoint.ACK_AFTER_STATE_CAS, 3, Part.BATCH_CONSUMER,
                "ackAll", 5, 0, 0, false));
    }

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void crashAt(final Row row) throws Exception
    {
        for (int attempt = 1; ; attempt++)
        {
            final RowRun run = new RowRun(row, queues.newPath());
            try
            {
                if (run.run())
                {
                    return;
                }
                System.out.println("[crash-matrix] " + row + ": the child did not reach " + row.crashAt() +
                    " (attempt " + attempt + "): " + run.noise);
                if (attempt >= 2)
                {
                    fail(row + ": the child did not reach " + row.crashAt() + " in two attempts: " + run.noise +
                        "\n" + run.childLog());
                }
            }
            catch (final Throwable failure)
            {
                final Path evidence = CrashEvidence.save("CrashMatrixTest-" + row.name(), run.path, run.child, failure);
                throw new AssertionError(row + " failed (evidence in " + evidence + "): " + failure.getMessage(),
                    failure);
            }
            finally
            {
                run.close();
            }
        }
    }

    /**
     * One run of one row.
     */
    static final class RowRun implements AutoCloseable
    {
        final Row row;
        final Path path;
        IpcQueue queue;
        ChildJvm child;
        String noise;
        Producer producer;
        Consumer first;
        Consumer second;
        Consumer deadLetterReader;
        Consumer holder;
        final List<Lease> held = new ArrayList<>();
        final List<Long> heldSeqs = new ArrayList<>();
        /** Messages that must each be resolved exactly once. */
        final Set<Long> mustResolve = new TreeSet<>();
        /** Acks that succeeded (here or in the child) plus dead-letter copies read, per message. */
        final Map<Long, Integer> resolutions = new TreeMap<>();
        final Map<Long, Integer> deadLetterCopies = new TreeMap<>();
        /** The message in flight at the crash, when known. */
        Long inFlight;
        int fencedDrainAcks;

        RowRun(final Row row, final Path path)
        {
            this.row = row;
            this.path = path;
        }

        QueueConfig config()
        {
            return QueueConfig.builder()
                .capacity(CAPACITY)
                .maxPayloadLength(64)
                .deadLetterCapacity(DEAD_LETTER_CAPACITY)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT)
                .leaseTimeout(row.part() == Part.REAPER ? SHORT_LEASE : LONG_LEASE)
                .maxDeliveries(row.maxDeliveries())
                .build();
        }

        /**
         * @return false if the child did not reach its crash point for reasons of timing (noise); throws on a
         * failure of the protocol.
         */
        boolean run() throws Exception
        {
            queue = IpcQueue.create(path, config());
            switch (row.part())
            {
                case PRODUCER ->
                {
                    attachParentHandles();
                    CrashSupport.awaitReaperIs(queue, ProcessHandle.current().pid());
                    child = ChildJvm.start(row.crashAt(), "produce", path.toString(), Integer.toString(CHILD_SENDS));
                    if (!crashed())
                    {
                        return false;
                    }
                    for (final String seq : child.linesStartingWith("SENT "))
                    {
                        mustResolve.add(Long.parseLong(seq));
                    }
                    assertEquals(row.nth() - 1, mustResolve.size(), "sends that returned OK before the crash");
                    inFlight = (long)(row.nth() - 1);
                }
                case SKIPPING_PRODUCER ->
                {
                    attachParentHandles();
                    holdOldestAckRest();
                    CrashSupport.awaitReaperIs(queue, ProcessHandle.current().pid());
                    child = ChildJvm.start(row.crashAt(), "produce", path.toString(), Integer.toString(CHILD_SENDS));
                    if (!crashed())
                    {
                        return false;
                    }
                    final List<String> sent = child.linesStartingWith("SENT ");
                    for (final String seq : sent)
                    {
                        mustResolve.add(Long.parseLong(seq));
                    }
                    assertEquals(CHILD_SENDS / 2, sent.size(), "sends that returned OK before the crash");
                    inFlight = (long)(CHILD_SENDS / 2);
                    // The file right after: the slot of position 0 (still holding message 0, leased here) says
                    // "skipped through position CAPACITY", and the tail still says CAPACITY.
                    final RingSlots ring = queue.lane(0).slots();
                    assertEquals(CAPACITY, ring.tailPosition(), "tail not moved on past the marked position");
                    final long marked = ring.sequence(CAPACITY);
                    assertEquals(SlotDescriptor.skippedSequence(CAPACITY), marked, "slot 0 marked skipped\n" +
                        CrashEvidence.dump(path));
                    assertEquals(0, ring.heldPosition(CAPACITY, marked), "slot 0 still holds position 0's message");
                }
                case BATCH_PRODUCER ->
                {
                    attachParentHandles();
                    CrashSupport.awaitReaperIs(queue, ProcessHandle.current().pid());
                    child = ChildJvm.start(row.crashAt(), "produce-batch", path.toString(),
                        Integer.toString(CHILD_SENDS), Integer.toString(BATCH));
                    if (!crashed())
                    {
                        return false;
                    }
                    for (final String seq : child.linesStartingWith("SENT "))
                    {
                        mustResolve.add(Long.parseLong(seq));
                    }
                    assertEquals(2 * BATCH, mustResolve.size(), "messages of the batches that returned");
                    inFlight = (long)(2 * BATCH);
                    // One tail step per batch: the crashed batch's run is past the tail already in every row.
                    assertEquals(3L * BATCH, queue.lane(0).slots().tailPosition(), "tail after the 3rd batch's CAS");
                }
                case CONSUMER, BATCH_CONSUMER ->
                {
                    attachParentHandles();
                    for (long seq = 0; seq < SENT_BEFORE; seq++)
                    {
                        assertEquals(SendResult.OK, producer.trySend(0, payload(seq)));
                        mustResolve.add(seq);
                    }
                    CrashSupport.awaitReaperIs(queue, ProcessHandle.current().pid());
                    child = ChildJvm.start(row.crashAt(), row.part() == Part.BATCH_CONSUMER ? "consume-batch" :
                        "consume", path.toString(), Integer.toString(CHILD_HOLDS), row.action());
                    if (!crashed())
                    {
                        return false;
                    }
                    final List<Long> leased = new ArrayList<>();
                    for (final String line : child.linesStartingWith("LEASED "))
                    {
                        leased.add(Long.parseLong(line.split(" ")[0]));
                    }
                    for (final String seq : child.linesStartingWith("ACKED "))
                    {
                        resolved(Long.parseLong(seq));
                    }
                    if (row.part() == Part.BATCH_CONSUMER && row.action().equals("none"))
                    {
                        // Halted before its cursor CAS: five LEASED slots ahead of the cursor, none reported.
                        assertEquals(0, queue.lane(0).slots().leaseCursor(), "cursor not moved by the batch");
                        assertEquals(CHILD_HOLDS, queue.lane(0).consumer().leasedCount(), "the batch's slots LEASED");
                    }
                    if (!row.action().equals("none"))
                    {
                        assertEquals(CHILD_HOLDS, leased.size(), "leases the child reported");
                        inFlight = leased.get(row.nth() - 1);
                    }
                    if (row.action().equals("ackAll"))
                    {
                        // ackAll acks in order: the entries before the one in flight were acked by the child.
                        for (int i = 0; i < row.nth() - 1; i++)
                        {
                            resolved(leased.get(i));
                        }
                    }
                }
                case REAPER ->
                {
                    child = ChildJvm.start(row.crashAt(), "reaper", path.toString());
                    final String owner = child.awaitLine("REAPER ", CHILD_BOUND);
                    if (owner == null)
                    {
                        noise = "the child did not become the reaper";
                        return false;
                    }
                    attachParentHandles();
                    holder = queue.consumer(PARENT_HOLDS);
                    for (long seq = 0; seq < SENT_BEFORE; seq++)
                    {
                        assertEquals(SendResult.OK, producer.trySend(0, payload(seq)));
                        mustResolve.add(seq);
                    }
                    for (int i = 0; i < PARENT_HOLDS; i++)
                    {
                        final Lease lease = holder.lease(Duration.ofSeconds(5));
                        assertNotNull(lease, "lease " + i + " for the holder");
                        held.add(lease);
                        heldSeqs.add(seqOf(lease));
                    }
                    if (!crashed())
                    {
                        return false;
                    }
                }
                default -> throw new IllegalStateException();
            }
            final long crashedAtNs = System.nanoTime();

            // Not stuck behind whatever the child left: messages sent now must get through.
            for (long seq = AFTER_BASE; seq < AFTER_BASE + SENT_AFTER; seq++)
            {
                assertEquals(SendResult.OK, producer.send(0, payload(seq), Duration.ofSeconds(5)),
                    "send after the crash");
                mustResolve.add(seq);
            }
            if (row.part() == Part.SKIPPING_PRODUCER)
            {
                giveBackSkipped();
            }
            drain();
            final long recoveredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAtNs);
            for (int i = 0; i < held.size(); i++)
            {
                // The old holder's leases expired and went to others: its late acks must be fenced (a payload read
                // now would read whatever reuses the slot: the seq was noted at lease time).
                if (held.get(i).ack())
                {
                    resolved(heldSeqs.get(i));
                }
            }
            verifyResolutions();
            if (row.part() == Part.REAPER)
            {
                CrashSupport.awaitReaperIs(queue, ProcessHandle.current().pid());
            }
            final QueueStats settled = queue.stats();
            assertEquals(settled.capacity(), settled.free(), "capacity back to full after draining");
            assertEquals(0, settled.deadLettered(), "dead-letter ring drained");
            wholeLapAgain();
            queue.seal();
            assertNull(first.lease(Duration.ofSeconds(5)), "no message after the seal");
            assertEquals(ReceiveStatus.END_OF_STREAM, first.status(), "sealed and drained: end of stream");
            System.out.println("[crash-matrix] " + row + " (" + row.crashAt() + "): recovered and drained in " +
                recoveredMs + " ms; in flight " + inFlight + " resolved " +
                (inFlight == null ? "-" : resolutions.getOrDefault(inFlight, 0)) + "x; dead letters " +
                deadLetterCopies + "; fenced drain acks " + fencedDrainAcks + "; counters " + counters(settled));
            return true;
        }

        /**
         * The skip row's lane: a lap less 10 messages sent; the two oldest leased and kept, the others acked. The
         * child's first 10 sends fill the lap; its 11th comes round to the held slots and must skip them.
         */
        private void holdOldestAckRest()
        {
            holder = queue.consumer(PARENT_HOLDS);
            for (long i = 0; i < SKIP_SETUP; i++)
            {
                assertEquals(SendResult.OK, producer.trySend(0, payload(SETUP_BASE + i)));
                mustResolve.add(SETUP_BASE + i);
            }
            for (int i = 0; i < SKIP_SETUP; i++)
            {
                final Lease lease = holder.tryLease();
                assertNotNull(lease, "setup lease " + i);
                final long seq = seqOf(lease);
                assertEquals(SETUP_BASE + i, seq, "first deliveries in position order");
                if (i < SKIP_HELD)
                {
                    held.add(lease);
                    heldSeqs.add(seq);
                }
                else
                {
                    assertTrue(lease.ack());
                    resolved(seq);
                }
            }
            assertEquals(CAPACITY - SKIP_HELD, queue.stats().free(), "two slots held, the rest free");
        }

        /**
         * The messages the crashed producer came round to are still their holder's (the sends after the crash helped
         * the tail past the first, marked by the child, and skipped the second): the first is acked in place, which
         * moves its slot on past its last skip; the second is released and must be redelivered, found by the
         * redelivery scan through its skipped slot.
         */
        private void giveBackSkipped()
        {
            final RingSlots ring = queue.lane(0).slots();
            assertTrue(held.get(0).ack(), "ack of a skipped message");
            resolved(heldSeqs.get(0));
            assertEquals(2L * CAPACITY, ring.sequence(0), "the acked slot serves the lap after its last skip");
            assertTrue(held.get(1).release(), "release of a skipped message");
            held.clear();
            heldSeqs.clear();
        }

        private void attachParentHandles()
        {
            producer = queue.producer();
            first = queue.consumer(2);
            second = queue.consumer(2);
            // An empty scan now, so these consumers rescan for redeliveries only when a requeue count moves
            // (a requeue whose count was never bumped must be found by the reaper's bump).
            assertNull(first.tryLease());
            assertNull(second.tryLease());
            if (row.deadLetters())
            {
                deadLetterReader = queue.deadLetterConsumer(2);
                assertNull(deadLetterReader.tryLease());
            }
        }

        private boolean crashed() throws InterruptedException
        {
            final int status = child.awaitExit(CHILD_BOUND);
            if (status == CrashPoint.HALT_STATUS)
            {
                return true;
            }
            if (status == CrashChild.NOISE_STATUS || status == -1)
            {
                noise = status == -1 ? "child still running after " + CHILD_BOUND : "child said " +
                    child.linesStartingWith("NOISE ");
                return false;
            }
            fail(row + ": child exited with status " + status + ", not " + CrashPoint.HALT_STATUS + " at " +
                row.crashAt() + "\n" + child.log());
            return false;
        }

        /**
         * Leases with two consumers side by side and acks, reads the dead-letter ring, until every message is
         * resolved and the queue is settled: every slot free, dead-letter ring empty, the child's rows reclaimed.
         */
        private void drain() throws InterruptedException
        {
            final long deadline = System.nanoTime() + RECOVERY_BOUND.toNanos();
            while (true)
            {
                boolean progress = false;
                final Lease a = first.tryLease();
                final Lease b = second.tryLease();
                if (a != null && b != null)
                {
                    assertNotEquals(a.id(), b.id(), "one message leased to two live holders at once");
                }
                for (final Lease lease : new Lease[]{ a, b })
                {
                    if (lease != null)
                    {
                        progress = true;
                        final long seq = seqOf(lease);
                        if (lease.ack())
                        {
                            resolved(seq);
                        }
                        else
                        {
                            // Only possible if this process was starved past a deadline: legal, and it stays
                            // exactly-once (the message comes back); counted, not failed.
                            fencedDrainAcks++;
                        }
                    }
                }
                if (deadLetterReader != null)
                {
                    final Lease letter = deadLetterReader.tryLease();
                    if (letter != null)
                    {
                        progress = true;
                        final long seq = seqOf(letter);
                        assertTrue(letter.ack(), "ack of a dead letter");
                        resolved(seq);
                        deadLetterCopies.merge(seq, 1, Integer::sum);
                    }
                }
                if (!progress)
                {
                    final String unsettled = unsettled();
                    if (unsettled == null)
                    {
                        return;
                    }
                    if (System.nanoTime() - deadline > 0)
                    {
                        fail(row + ": not recovered within " + RECOVERY_BOUND + ": " + unsettled + "\n" +
                            CrashEvidence.dump(path));
                    }
                    Thread.sleep(5);
                }
            }
        }

        /**
         * @return why the queue is not settled yet, or null.
         */
        private String unsettled()
        {
            final Set<Long> missing = new TreeSet<>();
            for (final long seq : mustResolve)
            {
                if ((inFlight == null || seq != inFlight) && !resolutions.containsKey(seq))
                {
                    missing.add(seq);
                }
            }
            if (!missing.isEmpty())
            {
                return "messages never delivered " + missing;
            }
            final QueueStats stats = queue.stats();
            if (stats.free() != stats.capacity())
            {
                return "slots not free: " + stats.lanes();
            }
            if (stats.deadLetters().occupied() != 0)
            {
                return "dead-letter ring not empty: " + stats.deadLetters();
            }
            for (final QueueStats.ParticipantStats participant : stats.participants())
            {
                if (participant.pid() == child.pid())
                {
                    return "the dead child's row is not reclaimed: " + participant;
                }
            }
            return null;
        }

        private void resolved(final long seq)
        {
            resolutions.merge(seq, 1, Integer::sum);
        }

        private void verifyResolutions()
        {
            final Set<Long> all = new TreeSet<>(mustResolve);
            all.addAll(resolutions.keySet());
            if (inFlight != null)
            {
                all.add(inFlight);
            }
            boolean duplicateSeen = false;
            for (final long seq : all)
            {
                final int count = resolutions.getOrDefault(seq, 0);
                if (inFlight != null && seq == inFlight)
                {
                    assertTrue(count >= row.inFlightMin() && count <= row.inFlightMax(),
                        row + ": message " + seq + " in flight at the crash resolved " + count + "x after it, " +
                            "allowed " + row.inFlightMin() + ".." + row.inFlightMax() + "; " + resolutions);
                }
                else if (mustResolve.contains(seq))
                {
                    if (count == 2 && row.duplicateDeadLetterAllowed() && !duplicateSeen &&
                        deadLetterCopies.getOrDefault(seq, 0) == 2)
                    {
                        // at-least-once: the reaper died between the dead-letter commit and the free
                        duplicateSeen = true;
                        continue;
                    }
                    assertEquals(1, count, row + ": message " + seq + " resolved " + count + "x; " + resolutions);
                }
                else
                {
                    fail(row + ": message " + seq + " was never sent with OK, yet resolved " + count + "x");
                }
            }
        }

        /**
         * Sends a whole lap more and drains it: every slot of lane 0 must be reusable (a slot whose sequence was
         * not moved on would answer FULL forever). In the dead-letter rows, the same for the dead-letter ring.
         */
        private void wholeLapAgain() throws InterruptedException
        {
            final long base = 1_000;
            for (int i = 0; i < CAPACITY; i++)
            {
                assertEquals(SendResult.OK, producer.trySend(0, payload(base + i)),
                    "send " + i + " of a lap after recovery (a slot not reusable wedges the lane)\n" +
                        CrashEvidence.dump(path));
            }
            final Set<Long> lap = new TreeSet<>();
            final long deadline = System.nanoTime() + RECOVERY_BOUND.toNanos();
            while (lap.size() < CAPACITY)
            {
                final Lease lease = first.lease(Duration.ofMillis(100));
                if (lease != null)
                {
                    final long seq = seqOf(lease);
                    if (lease.ack())
                    {
                        assertTrue(lap.add(seq), "lap message " + seq + " acked twice");
                    }
                }
                assertTrue(System.nanoTime() - deadline < 0, "lap not drained: " + lap);
            }
            if (!row.deadLetters())
            {
                return;
            }
            final long dlBase = 2_000;
            for (int i = 0; i < DEAD_LETTER_CAPACITY; i++)
            {
                assertEquals(SendResult.OK, producer.trySend(0, payload(dlBase + i)));
                final Lease lease = first.lease(Duration.ofSeconds(5));
                assertNotNull(lease);
                assertTrue(lease.release(), "release to the dead-letter ring");
            }
            final Set<Long> letters = new TreeSet<>();
            while (letters.size() < DEAD_LETTER_CAPACITY)
            {
                final Lease letter = deadLetterReader.lease(Duration.ofMillis(100));
                if (letter != null)
                {
                    final long seq = seqOf(letter);
                    assertTrue(letter.ack());
                    assertTrue(letters.add(seq), "dead letter " + seq + " twice");
                }
                assertTrue(System.nanoTime() - deadline < 0, "a lap of the dead-letter ring not drained: " +
                    letters + "\n" + CrashEvidence.dump(path));
            }
        }

        private static String counters(final QueueStats stats)
        {
            final StringBuilder out = new StringBuilder("{");
            for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
            {
                out.append(i == 0 ? "" : ", ").append(CounterIndex.name(i)).append('=').append(stats.counter(i));
            }
            return out.append('}').toString();
        }

        String childLog()
        {
            return child == null ? "(no child)" : child.log();
        }

        @Override
        public void close()
        {
            if (child != null)
            {
                child.close();
            }
            if (queue != null)
            {
                queue.close();
            }
        }
    }
}
