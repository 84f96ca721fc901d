package io.ipcq;

import io.ipcq.layout.CounterIndex;
import io.ipcq.ReapResult;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;
import org.agrona.PrintBufferUtil;
import org.agrona.concurrent.CachedEpochClock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Random sequences of sends, claims, leases, acks, releases, extends, expiries, seals, consumer restarts and
 * dead-letter reads, run against a real queue and against {@link QueueModel} on one thread. Every answer must
 * agree, and so must the slot counts of every ring, every counter and the leases each consumer holds, after every
 * step. A failure prints the shrunk sequence and, in the assertion message, each step with the queue's answer up
 * to the first disagreement.
 * <p>
 * Geometries are tiny so that FULL, wrap-around, redelivery, max deliveries, a full dead-letter ring (PARKED) and
 * its later retry all happen within a few dozen steps; the coverage checks keep the generator honest about that.
 * The clock is a {@link CachedEpochClock} the steps move: nothing depends on real time.
 */
class QueueModelPropertyTest
{
    private static final Path ROOT = Files.isDirectory(Path.of("/dev/shm")) ?
        Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
    private static final String FILE_PREFIX = "ipcq-test-" + ProcessHandle.current().pid() + "-model-";
    private static final long START_EPOCH_MS = 1_700_000_000_000L;
    private static final int MAX_PAYLOAD_LENGTH = 8;
    private static final int MAIN_CONSUMERS = 2;
    /** Consumer index of the dead-letter consumer, after the main ones. */
    private static final int DEAD_LETTER_CONSUMER = MAIN_CONSUMERS;
    /**
     * Files of harnesses not closed yet. jqwik's bounded shrinking runs on a pool thread and is abandoned, not
     * stopped, at its time limit: a try may still be running when the property (or the JVM) ends. So the files
     * are also removed at exit, no queue is created after that (creation and the exit hook share a lock), and the
     * leftover check ignores files still in use.
     */
    private static final Set<Path> OPEN_FILES = ConcurrentHashMap.newKeySet();
    private static boolean exiting;

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            synchronized (OPEN_FILES)
            {
                exiting = true;
                OPEN_FILES.forEach(IpcQueue::delete);
            }
        }));
    }

    @Property(tries = 250, edgeCases = EdgeCasesMode.NONE)
    void everyAnswerSlotCountAndCounterMatchesTheModel(
        @ForAll("scenarios") final Scenario scenario,
        @ForAll("operations") final List<Op> operations)
    {
        final Set<Event> events;
        try (Harness harness = new Harness(scenario))
        {
            for (final Op operation : operations)
            {
                harness.apply(operation);
            }
            harness.checkTotals();
            events = harness.events;
        }
        collect(events);
        // Lower bounds at about half of what the generator reaches: a change that starves a corner fails here.
        coverage(Event.FULL, 15);
        coverage(Event.WRAPPED, 12);
        coverage(Event.SKIPPED, 5);
        coverage(Event.REDELIVERED, 25);
        coverage(Event.EXPIRED, 12);
        coverage(Event.DEAD_LETTERED, 25);
        coverage(Event.PARKED, 2);
        coverage(Event.FENCED, 10);
        coverage(Event.END_OF_STREAM, 8);
    }

    @Property(tries = 100, edgeCases = EdgeCasesMode.NONE)
    void drainingAfterAnyHistoryAcksEverySentMessageExactlyOnce(
        @ForAll("scenarios") final Scenario scenario,
        @ForAll("operations") final List<Op> operations)
    {
        final Set<Event> events;
        try (Harness harness = new Harness(scenario))
        {
            for (final Op operation : operations)
            {
                harness.apply(operation);
            }
            harness.drain();
            harness.checkDrained();
            events = harness.events;
        }
        collect(events);
        // Parked messages are moved on by the sweeps of the drain at the latest.
        coverage(Event.PARKED_MOVED, 1);
    }

    private static void collect(final Set<Event> events)
    {
        for (final Event event : Event.values())
        {
            Statistics.label(event.label).collect(events.contains(event));
        }
    }

    /**
     * The smallest sequence the first property shrinks to on the current core: a dead-letter consumer answers
     * END_OF_STREAM while one of its dead letters is leased and can still come back; released, it is delivered
     * again after the "end". The model says EMPTY until the dead-letter ring is empty too.
     */
    @Example
    void deadLetterConsumerSaysEndOfStreamOnlyWhenNoDeadLetterCanComeBack()
    {
        try (Harness harness = new Harness(new Scenario(1, 2, 1, 2, 10, 4)))
        {
            harness.apply(new Send(0, 1));
            harness.apply(new Seal());
            harness.apply(new Lease(0));
            harness.apply(new Release(0));
            harness.apply(new DeadLetterLease());
            harness.apply(new DeadLetterLease());
            harness.apply(new Release(0));
            harness.apply(new DeadLetterLease());
            harness.apply(new Ack(0));
            harness.apply(new DeadLetterLease());
            harness.same("dead-letter status once the ring is empty", ReceiveStatus.END_OF_STREAM,
                harness.consumers[DEAD_LETTER_CONSUMER].status());
        }
    }

    /** After every property of the class: no queue file of this JVM left, bar those of a try still running. */
    @AfterContainer
    static void noQueueFileIsLeftBehind() throws IOException
    {
        try (Stream<Path> files = Files.list(ROOT))
        {
            final List<Path> left = files
                .filter(p -> p.getFileName().toString().startsWith(FILE_PREFIX) && !OPEN_FILES.contains(p))
                .toList();
            if (!left.isEmpty())
            {
                throw new AssertionError("queue files left behind: " + left);
            }
        }
    }

    private static void coverage(final Event event, final double minPercent)
    {
        Statistics.label(event.label).coverage(coverage -> coverage.check(true).percentage(p -> p >= minPercent));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Generators
    // -------------------------------------------------------------------------------------------------------------

    /**
     * @param lanes              1..3.
     * @param capacity           per lane: 2, 4 or 8.
     * @param maxDeliveries      1..3.
     * @param deadLetterCapacity 2 or 4: small enough to fill, so messages park.
     * @param leaseTimeoutMs     10..100.
     * @param maxHeldLeases      per consumer, 1..4: a tryLease past it must throw.
     */
    record Scenario(int lanes, int capacity, int maxDeliveries, int deadLetterCapacity, int leaseTimeoutMs,
        int maxHeldLeases)
    {
    }

    @Provide
    Arbitrary<Scenario> scenarios()
    {
        return Combinators.combine(
            Arbitraries.integers().between(1, 3),
            Arbitraries.of(2, 4, 8),
            // One or two deliveries and a two-slot dead-letter ring more often: that is where parking happens.
            Arbitraries.frequency(Tuple.of(3, 1), Tuple.of(2, 2), Tuple.of(1, 3)),
            Arbitraries.frequency(Tuple.of(2, 2), Tuple.of(1, 4)),
            Arbitraries.integers().between(10, 100),
            Arbitraries.integers().between(1, 4))
            .as(Scenario::new);
    }

    @Provide
    Arbitrary<List<Op>> operations()
    {
        final Arbitrary<Integer> lane = Arbitraries.integers().between(0, 2);
        final Arbitrary<Integer> pick = Arbitraries.integers().between(0, 7);
        final Arbitrary<Integer> ms = Arbitraries.integers().between(0, 150);
        final Arbitrary<Op> op = Arbitraries.frequencyOf(List.of(
            weighted(12, Combinators.combine(lane, Arbitraries.integers().between(0, MAX_PAYLOAD_LENGTH + 1))
                .as(Send::new)),
            weighted(2, Combinators.combine(lane, Arbitraries.integers().between(0, MAX_PAYLOAD_LENGTH),
                Arbitraries.of(true, false)).as(SendClaim::new)),
            weighted(2, Combinators.combine(lane, Arbitraries.integers().between(1, 5),
                Arbitraries.integers().between(0, MAX_PAYLOAD_LENGTH)).as(SendBatchOp::new)),
            weighted(8, Arbitraries.integers().between(0, MAIN_CONSUMERS - 1).map(Lease::new)),
            weighted(3, Combinators.combine(Arbitraries.integers().between(0, DEAD_LETTER_CONSUMER),
                Arbitraries.integers().between(1, 5)).as(LeaseBatchOp::new)),
            weighted(1, Arbitraries.integers().between(0, DEAD_LETTER_CONSUMER).map(AckAllOp::new)),
            weighted(2, Arbitraries.just(new DeadLetterLease())),
            weighted(2, Arbitraries.just(new DeadLetterLeaseAndAck())),
            weighted(5, pick.map(Ack::new)),
            weighted(6, pick.map(Release::new)),
            weighted(2, Combinators.combine(pick, ms).as(Extend::new)),
            weighted(1, pick.map(CloseLease::new)),
            weighted(4, Combinators.combine(ms, Arbitraries.of(true, true, true, false)).as(Advance::new)),
            weighted(1, Arbitraries.just(new Seal())),
            weighted(1, Arbitraries.integers().between(0, DEAD_LETTER_CONSUMER).map(CloseConsumer::new))));
        return op.list().ofMinSize(1).ofMaxSize(60).withSizeDistribution(RandomDistribution.uniform());
    }

    private static Tuple.Tuple2<Integer, Arbitrary<Op>> weighted(final int weight, final Arbitrary<? extends Op> op)
    {
        return Tuple.of(weight, op.map(Op.class::cast));
    }

    /** Corners a sequence can reach; the property counts in how many tries each happened. */
    enum Event
    {
        FULL("a send answered FULL"),
        WRAPPED("a lane wrapped around"),
        SKIPPED("a send skipped a slot still holding a message"),
        REDELIVERED("a message was redelivered"),
        EXPIRED("a sweep revoked a lease"),
        DEAD_LETTERED("a message was dead-lettered"),
        PARKED("a message was parked (dead-letter ring full)"),
        PARKED_MOVED("a sweep moved a parked message to the dead letters"),
        FENCED("an ack, release or extend was fenced"),
        END_OF_STREAM("a lease answered END_OF_STREAM");

        final String label;

        Event(final String label)
        {
            this.label = label;
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Operations: each runs on the queue and on the model, compares the answers and says what happened.
    // Lanes, consumers and held leases are picked modulo what exists, so a shrunk sequence still runs.
    // -------------------------------------------------------------------------------------------------------------

    interface Op
    {
        String apply(Harness harness);
    }

    /** trySend; a length above the max payload must throw and change nothing. */
    record Send(int lane, int length) implements Op
    {
        public String apply(final Harness h)
        {
            return h.send(lane % h.scenario.lanes(), length);
        }

        public String toString()
        {
            return "send(lane " + lane + ", " + length + " bytes)";
        }
    }

    /** tryClaim, then commit (a send) or abort (a tombstone consumers step over). */
    record SendClaim(int lane, int length, boolean commit) implements Op
    {
        public String apply(final Harness h)
        {
            return h.sendClaim(lane % h.scenario.lanes(), length, commit);
        }

        public String toString()
        {
            return "claim(lane " + lane + ", " + length + " bytes, " + (commit ? "commit" : "abort") + ")";
        }
    }

    /** Producer.trySend(lane, SendBatch): in the model, that many sends in order until one is not OK. */
    record SendBatchOp(int lane, int count, int length) implements Op
    {
        public String apply(final Harness h)
        {
            return h.sendBatch(lane % h.scenario.lanes(), count, length);
        }

        public String toString()
        {
            return "sendBatch(lane " + lane + ", " + count + " x " + length + " bytes)";
        }
    }

    /** Consumer.tryLease(LeaseBatch, max): in the model, that many single leases until one finds nothing. */
    record LeaseBatchOp(int consumer, int max) implements Op
    {
        public String apply(final Harness h)
        {
            return h.leaseBatch(consumer == DEAD_LETTER_CONSUMER ? consumer : consumer % MAIN_CONSUMERS, max);
        }

        public String toString()
        {
            return "leaseBatch(" + (consumer == DEAD_LETTER_CONSUMER ? "dead letters" : "consumer " + consumer) +
                ", max " + max + ")";
        }
    }

    /** LeaseBatch.ackAll() on the consumer's last batch: in the model, an ack of each of its leases still held. */
    record AckAllOp(int consumer) implements Op
    {
        public String apply(final Harness h)
        {
            return h.ackAll(consumer == DEAD_LETTER_CONSUMER ? consumer : consumer % MAIN_CONSUMERS);
        }

        public String toString()
        {
            return "ackAll(" + (consumer == DEAD_LETTER_CONSUMER ? "dead letters" : "consumer " + consumer) + ")";
        }
    }

    record Lease(int consumer) implements Op
    {
        public String apply(final Harness h)
        {
            return h.lease(consumer % MAIN_CONSUMERS);
        }

        public String toString()
        {
            return "lease(consumer " + consumer + ")";
        }
    }

    record DeadLetterLease() implements Op
    {
        public String apply(final Harness h)
        {
            return h.lease(DEAD_LETTER_CONSUMER);
        }

        public String toString()
        {
            return "lease(dead letters)";
        }
    }

    /** What an operator's dead-letter reader does: lease one and ack it at once. */
    record DeadLetterLeaseAndAck() implements Op
    {
        public String apply(final Harness h)
        {
            final String leased = h.lease(DEAD_LETTER_CONSUMER);
            final Held last = h.held.isEmpty() ? null : h.held.get(h.held.size() - 1);
            if (last == null || last.handle().consumer != DEAD_LETTER_CONSUMER || !leased.startsWith(last.name() + " "))
            {
                return leased;
            }
            return leased + "; ack: " + h.ack(last);
        }

        public String toString()
        {
            return "leaseAndAck(dead letters)";
        }
    }

    record Ack(int pick) implements Op
    {
        public String apply(final Harness h)
        {
            return h.onHeld(pick, "ack", h::ack);
        }

        public String toString()
        {
            return "ack(held " + pick + ")";
        }
    }

    record Release(int pick) implements Op
    {
        public String apply(final Harness h)
        {
            return h.onHeld(pick, "release", h::release);
        }

        public String toString()
        {
            return "release(held " + pick + ")";
        }
    }

    record Extend(int pick, int ms) implements Op
    {
        public String apply(final Harness h)
        {
            return h.onHeld(pick, "extend by " + ms + "ms", held -> h.extend(held, ms));
        }

        public String toString()
        {
            return "extend(held " + pick + ", " + ms + "ms)";
        }
    }

    record CloseLease(int pick) implements Op
    {
        public String apply(final Harness h)
        {
            return h.onHeld(pick, "close", h::closeLease);
        }

        public String toString()
        {
            return "close(held " + pick + ")";
        }
    }

    /** Moves the clock on, then (usually) one sweep: leases at or past their deadline are revoked. */
    record Advance(int ms, boolean sweep) implements Op
    {
        public String apply(final Harness h)
        {
            return h.advance(ms, sweep);
        }

        public String toString()
        {
            return "advance(" + ms + "ms" + (sweep ? ") + sweep" : ")");
        }
    }

    record Seal() implements Op
    {
        public String apply(final Harness h)
        {
            return h.seal();
        }

        public String toString()
        {
            return "seal";
        }
    }

    /** Consumer.close() (it releases what it holds), then a new consumer in its place. */
    record CloseConsumer(int consumer) implements Op
    {
        public String apply(final Harness h)
        {
            return h.closeConsumer(consumer == DEAD_LETTER_CONSUMER ? consumer : consumer % MAIN_CONSUMERS);
        }

        public String toString()
        {
            return "closeConsumer(" + (consumer == DEAD_LETTER_CONSUMER ? "dead letters" : consumer) + ")";
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // The harness: one real queue, one model, the leases held on both sides.
    // -------------------------------------------------------------------------------------------------------------

    /** A lease held on both sides; {@code name} (L1, L2, ... in grant order) is how the trace refers to it. */
    record Held(String name, io.ipcq.Lease lease, QueueModel.Handle handle)
    {
    }

    interface HeldAction
    {
        String run(Held held);
    }

    static final class Harness implements AutoCloseable
    {
        /** The answer of a step on a held lease when none is held: nothing ran, so there is nothing to compare. */
        static final String NOTHING_HELD = "no lease held, skipped";

        final Scenario scenario;
        final Path path;
        final CachedEpochClock clock = new CachedEpochClock();
        final QueueModel model;
        final List<Held> held = new ArrayList<>();
        final List<Long> ackedIds = new ArrayList<>();
        final List<String> trace = new ArrayList<>();
        final Set<Event> events = EnumSet.noneOf(Event.class);
        final Consumer[] consumers = new Consumer[MAIN_CONSUMERS + 1];
        final Claim claim = new Claim();
        /** Per consumer index, its lease batches, the last used last. */
        final java.util.Map<Integer, List<LeaseBatch>> batches = new java.util.HashMap<>();
        IpcQueue queue;
        Producer producer;
        int payloads;
        int leasesGranted;

        Harness(final Scenario scenario)
        {
            this.scenario = scenario;
            this.path = ROOT.resolve(FILE_PREFIX + UUID.randomUUID());
            this.model = new QueueModel(scenario.lanes(), scenario.capacity(), scenario.maxDeliveries(),
                scenario.deadLetterCapacity(), scenario.leaseTimeoutMs(), scenario.maxHeldLeases());
            clock.update(START_EPOCH_MS);
            final QueueConfig config = QueueConfig.builder()
                .lanes(scenario.lanes())
                .capacity(scenario.capacity())
                .maxPayloadLength(MAX_PAYLOAD_LENGTH)
                .leaseTimeout(Duration.ofMillis(scenario.leaseTimeoutMs()))
                .heartbeatTimeout(Duration.ofHours(1))
                .maxDeliveries(scenario.maxDeliveries())
                .participantCapacity(8)
                .deadLetterCapacity(scenario.deadLetterCapacity())
                .build();
            try
            {
                synchronized (OPEN_FILES)
                {
                    if (exiting)
                    {
                        throw new IllegalStateException("the JVM is exiting: no new queue file");
                    }
                    OPEN_FILES.add(path);
                    queue = IpcQueue.create(path, config, clock);
                }
                producer = queue.producer();
                for (int i = 0; i < consumers.length; i++)
                {
                    consumers[i] = newConsumer(i);
                    model.addConsumer(i == DEAD_LETTER_CONSUMER);
                }
            }
            catch (final RuntimeException ex)
            {
                close();
                throw ex;
            }
        }

        private Consumer newConsumer(final int index)
        {
            return index == DEAD_LETTER_CONSUMER ?
                queue.deadLetterConsumer(scenario.maxHeldLeases()) : queue.consumer(scenario.maxHeldLeases());
        }

        void apply(final Op op)
        {
            final int step = trace.size() + 1;
            final String prefix = String.format("%3d. %-32s -> ", step, op);
            trace.add(prefix + "...");
            final String answer = op.apply(this);
            trace.set(step - 1, prefix + answer);
            if (answer != NOTHING_HELD)
            {
                checkState();
            }
        }

        // ---------------------------------------------------------------------------------------------------------
        // Steps
        // ---------------------------------------------------------------------------------------------------------

        String send(final int lane, final int length)
        {
            if (length > MAX_PAYLOAD_LENGTH)
            {
                try
                {
                    producer.trySend(lane, new byte[length]);
                }
                catch (final IllegalArgumentException expected)
                {
                    return "IllegalArgumentException";
                }
                throw fail("a payload of " + length + " bytes must be refused with IllegalArgumentException");
            }
            final byte[] payload = nextPayload(length);
            final long id = nextId(lane);
            noteSkip(lane);
            final SendResult expected = model.send(lane, payload);
            final SendResult actual = producer.trySend(lane, payload);
            same("send result", expected, actual);
            sent(lane, actual);
            return actual + (actual == SendResult.OK ? " " + idText(id) + " " + hex(payload) : "");
        }

        String sendClaim(final int lane, final int length, final boolean commit)
        {
            final byte[] payload = nextPayload(length);
            final long id = nextId(lane);
            noteSkip(lane);
            final SendResult expected = commit ? model.send(lane, payload) : model.claimAndAbort(lane);
            final SendResult actual = producer.tryClaim(lane, length, claim);
            same("claim result", expected, actual);
            sent(lane, actual);
            if (actual != SendResult.OK)
            {
                return actual.toString();
            }
            same("claim message id", idText(id), idText(claim.messageId()));
            same("claim length", length, claim.length());
            if (commit)
            {
                claim.buffer().putBytes(0, payload);
                claim.commit();
                return "OK, committed " + idText(id) + " " + hex(payload);
            }
            claim.abort();
            return "OK, aborted " + idText(id);
        }

        private void noteSkip(final int lane)
        {
            if (!model.lanes[lane].isFull() && model.lanes[lane].skipsOnNextClaim())
            {
                events.add(Event.SKIPPED);
            }
        }

        private void sent(final int lane, final SendResult result)
        {
            if (result == SendResult.FULL)
            {
                events.add(Event.FULL);
            }
            if (model.lanes[lane].tail > scenario.capacity())
            {
                events.add(Event.WRAPPED);
            }
        }

        String lease(final int consumer)
        {
            final Consumer real = consumers[consumer];
            if (model.isAtMaxLeases(consumer))
            {
                try
                {
                    real.tryLease();
                }
                catch (final IllegalStateException expected)
                {
                    return "IllegalStateException (holds " + real.heldLeases() + ", its maximum)";
                }
                throw fail("a consumer at its maximum of held leases must refuse with IllegalStateException");
            }
            final QueueModel.Handle expected = model.tryLease(consumer);
            final io.ipcq.Lease actual = real.tryLease();
            if (expected == null || actual == null)
            {
                same("lease", expected == null ? "none" : describe(expected),
                    actual == null ? "none" : describe(actual));
                same("status", model.status(consumer), real.status());
                if (real.status() == ReceiveStatus.END_OF_STREAM)
                {
                    events.add(Event.END_OF_STREAM);
                }
                return "none, " + real.status();
            }
            same("lease", describe(expected), describe(actual));
            same("status", ReceiveStatus.LEASED, real.status());
            if (actual.deliveryCount() > 1)
            {
                events.add(Event.REDELIVERED);
            }
            final Held lease = new Held("L" + ++leasesGranted, actual, expected);
            held.add(lease);
            return lease.name() + " = " + describe(actual) + (consumer == DEAD_LETTER_CONSUMER ? " (dead letter)" :
                " (consumer " + consumer + ")");
        }

        String sendBatch(final int lane, final int count, final int length)
        {
            final SendBatch batch = new SendBatch(count);
            final List<String> expected = new ArrayList<>();
            SendResult stop = SendResult.OK;
            for (int i = 0; i < count; i++)
            {
                final byte[] payload = nextPayload(length);
                batch.add(payload);
                if (stop != SendResult.OK)
                {
                    continue;
                }
                final long id = nextId(lane);
                noteSkip(lane);
                stop = model.send(lane, payload);
                sent(lane, stop);
                if (stop == SendResult.OK)
                {
                    expected.add(idText(id));
                }
            }
            final int actual = producer.trySend(lane, batch);
            final List<String> actualIds = new ArrayList<>();
            for (int i = 0; i < actual; i++)
            {
                actualIds.add(idText(batch.messageId(i)));
            }
            same("batch sent", expected, actualIds);
            same("batch result", stop, batch.result());
            return actual + " of " + count + " sent, " + batch.result() + " " + actualIds;
        }

        /** A lease batch of this consumer whose leases have all ended (made when none is). */
        private LeaseBatch idleBatch(final int consumer)
        {
            final List<LeaseBatch> mine = batches.computeIfAbsent(consumer, c -> new ArrayList<>());
            for (final LeaseBatch batch : mine)
            {
                boolean idle = true;
                for (int i = 0; i < batch.size(); i++)
                {
                    idle &= !batch.lease(i).isActive();
                }
                if (idle)
                {
                    mine.remove(batch);
                    mine.add(batch);
                    return batch;
                }
            }
            final LeaseBatch batch = new LeaseBatch(5);
            mine.add(batch);
            return batch;
        }

        String leaseBatch(final int consumer, final int max)
        {
            final Consumer real = consumers[consumer];
            final LeaseBatch batch = idleBatch(consumer);
            if (model.isAtMaxLeases(consumer))
            {
                try
                {
                    real.tryLease(batch, max);
                }
                catch (final IllegalStateException expected)
                {
                    return "IllegalStateException (holds " + real.heldLeases() + ", its maximum)";
                }
                throw fail("a consumer at its maximum of held leases must refuse a batch with IllegalStateException");
            }
            final List<QueueModel.Handle> expected = new ArrayList<>();
            while (expected.size() < max && !model.isAtMaxLeases(consumer))
            {
                final QueueModel.Handle handle = model.tryLease(consumer);
                if (handle == null)
                {
                    break;
                }
                expected.add(handle);
            }
            final int actual = real.tryLease(batch, max);
            final List<String> expectedText = new ArrayList<>();
            final List<String> actualText = new ArrayList<>();
            expected.forEach(handle -> expectedText.add(describe(handle)));
            for (int i = 0; i < actual; i++)
            {
                actualText.add(describe(batch.lease(i)));
            }
            same("batch lease", expectedText, actualText);
            if (actual == 0)
            {
                same("status", model.status(consumer), real.status());
                if (real.status() == ReceiveStatus.END_OF_STREAM)
                {
                    events.add(Event.END_OF_STREAM);
                }
                return "none, " + real.status();
            }
            final StringBuilder names = new StringBuilder();
            for (int i = 0; i < actual; i++)
            {
                if (batch.deliveryCount(i) > 1)
                {
                    events.add(Event.REDELIVERED);
                }
                final Held lease = new Held("L" + ++leasesGranted, batch.lease(i), expected.get(i));
                held.add(lease);
                names.append(i == 0 ? "" : ", ").append(lease.name()).append(" = ").append(describe(batch.lease(i)));
            }
            return actual + " leased: " + names;
        }

        String ackAll(final int consumer)
        {
            final List<LeaseBatch> mine = batches.get(consumer);
            if (mine == null || mine.isEmpty())
            {
                return NOTHING_HELD;
            }
            final LeaseBatch batch = mine.get(mine.size() - 1);
            int expected = 0;
            for (int i = 0; i < batch.size(); i++)
            {
                final io.ipcq.Lease lease = batch.lease(i);
                final Held target = held.stream().filter(h -> h.lease() == lease).findFirst().orElse(null);
                if (lease.isActive() && target != null)
                {
                    held.remove(target);
                    if (model.ack(target.handle()))
                    {
                        expected++;
                        ackedIds.add(lease.id());
                    }
                    else
                    {
                        events.add(Event.FENCED);
                    }
                }
            }
            final int actual = batch.ackAll();
            same("ackAll", expected, actual);
            return actual + " acked";
        }

        String onHeld(final int pick, final String what, final HeldAction action)
        {
            if (held.isEmpty())
            {
                return NOTHING_HELD;
            }
            final Held target = held.get(pick % held.size());
            return what + " " + target.name() + ": " + action.run(target);
        }

        String ack(final Held target)
        {
            final long id = target.lease().id();
            held.remove(target);
            final boolean expected = model.ack(target.handle());
            final boolean actual = target.lease().ack();
            same("ack of " + target.name(), expected, actual);
            ended(target, actual);
            if (actual)
            {
                ackedIds.add(id);
            }
            return Boolean.toString(actual);
        }

        String release(final Held target)
        {
            held.remove(target);
            final boolean expected = model.release(target.handle());
            final boolean actual = target.lease().release();
            same("release of " + target.name(), expected, actual);
            ended(target, actual);
            return actual + (actual ? " (" + where(target.handle().message) + ")" : "");
        }

        String extend(final Held target, final int ms)
        {
            final boolean expected = model.extend(target.handle(), ms);
            final boolean actual = target.lease().extend(Duration.ofMillis(ms));
            same("extend of " + target.name(), expected, actual);
            same("lease active after extend", true, target.lease().isActive());
            if (!actual)
            {
                events.add(Event.FENCED);
                return "false";
            }
            same("deadline after extend", target.handle().message.deadline,
                target.lease().deadlineEpochMs() - START_EPOCH_MS);
            return "true, deadline +" + target.handle().message.deadline;
        }

        String closeLease(final Held target)
        {
            held.remove(target);
            final boolean wasLive = target.handle().isLive();
            model.close(target.handle());
            target.lease().close();
            same("lease active after close", false, target.lease().isActive());
            return wasLive ? "released (" + where(target.handle().message) + ")" : "was revoked";
        }

        private void ended(final Held target, final boolean succeeded)
        {
            same("lease active after it ended", false, target.lease().isActive());
            if (!succeeded)
            {
                events.add(Event.FENCED);
            }
        }

        String advance(final int ms, final boolean sweep)
        {
            model.advance(ms);
            clock.advance(ms);
            if (!sweep)
            {
                return "now +" + model.now();
            }
            final QueueModel.SweepResult expected = model.sweep();
            final ReapResult actual = queue.sweep();
            same("sweep", expected.toString(), new QueueModel.SweepResult(
                actual.expired(), actual.deadLettered(), actual.parked(), actual.requeuedSeen()).toString());
            if (actual.expired() > 0)
            {
                events.add(Event.EXPIRED);
            }
            return "now +" + model.now() + ", expired " + actual.expired() + ", dead-lettered " +
                actual.deadLettered() + ", parked " + actual.parked() + ", requeued seen " + actual.requeuedSeen();
        }

        String seal()
        {
            model.seal();
            queue.seal();
            return "sealed";
        }

        String closeConsumer(final int consumer)
        {
            final List<QueueModel.Handle> closed = model.closeConsumer(consumer);
            held.removeIf(h -> h.handle().consumer == consumer);
            batches.remove(consumer);
            consumers[consumer].close();
            consumers[consumer] = newConsumer(consumer);
            return "closed with " + closed.size() + " lease(s) held; a new consumer takes its place";
        }

        // ---------------------------------------------------------------------------------------------------------
        // Checks
        // ---------------------------------------------------------------------------------------------------------

        /** After every step: slot counts of every ring, every counter, held leases, sealed and end of stream. */
        void checkState()
        {
            final QueueStats stats = queue.stats();
            for (int lane = 0; lane < scenario.lanes(); lane++)
            {
                same("lane " + lane + " slots", QueueModel.slotCounts(model.lanes[lane]),
                    slotCounts(stats.lanes().get(lane)));
            }
            same("dead-letter slots", QueueModel.slotCounts(model.deadLetters), slotCounts(stats.deadLetters()));
            same("dead letters", model.deadLetters.live.size(), stats.deadLettered());
            same("counters", QueueModel.counters(model.counters), QueueModel.counters(stats.counters()));
            same("sealed", model.sealed, queue.isSealed());
            same("stats sealed", model.sealed, stats.sealed());
            same("end of stream", model.isEndOfStream(), queue.isEndOfStream());
            for (int i = 0; i < consumers.length; i++)
            {
                same("consumer " + i + " held leases", model.heldLeases(i), consumers[i].heldLeases());
                final int row = consumers[i].participantIndex();
                final long inRow = stats.participants().stream()
                    .filter(p -> p.id() == row)
                    .mapToLong(QueueStats.ParticipantStats::leases)
                    .sum();
                same("consumer " + i + " leases in its participant row", (long)model.heldLeases(i), inRow);
            }
            for (final QueueModel.Ring ring : model.lanes)
            {
                if (ring.count(QueueModel.State.PARKED) > 0)
                {
                    events.add(Event.PARKED);
                }
            }
            if (model.parkedMoved > 0)
            {
                events.add(Event.PARKED_MOVED);
            }
            if (model.counters[CounterIndex.DEAD_LETTERED] > 0)
            {
                events.add(Event.DEAD_LETTERED);
            }
        }

        /** The sums QueueStats offers. */
        void checkTotals()
        {
            final QueueStats stats = queue.stats();
            int ready = 0;
            int leased = 0;
            int requeued = 0;
            int free = 0;
            for (final QueueModel.Ring ring : model.lanes)
            {
                ready += ring.count(QueueModel.State.READY);
                leased += ring.count(QueueModel.State.LEASED);
                requeued += ring.count(QueueModel.State.REQUEUED);
                free += ring.free();
            }
            same("ready", ready, stats.ready());
            same("leased", leased, stats.leased());
            same("redelivery", requeued, stats.redelivery());
            same("free", free, stats.free());
            same("capacity", scenario.lanes() * scenario.capacity(), stats.capacity());
        }

        /**
         * Ends every lease (closing the consumers), seals, then acks everything: the lanes, a sweep (parked
         * messages move on), the dead letters, until nothing is left. Every step is still compared with the model.
         */
        void drain()
        {
            for (int i = 0; i < consumers.length; i++)
            {
                apply(new CloseConsumer(i));
            }
            apply(new Seal());
            for (int round = 0; round < 100; round++)
            {
                if (model.isEndOfStream() && model.deadLetters.live.isEmpty())
                {
                    return;
                }
                ackAll(new Lease(0));
                apply(new Advance(0, true));
                ackAll(new DeadLetterLease());
            }
            throw fail("the queue did not drain in 100 rounds");
        }

        private void ackAll(final Op lease)
        {
            while (true)
            {
                apply(lease);
                if (held.isEmpty())
                {
                    return;
                }
                apply(new Ack(0));
            }
        }

        /** No message lost, none acked twice, every slot free again, and the end of the stream is reported. */
        void checkDrained()
        {
            final List<Long> sent = new ArrayList<>(model.sentIds);
            final List<Long> acked = new ArrayList<>(ackedIds);
            sent.sort(null);
            acked.sort(null);
            same("ids acked (each exactly once) vs ids sent", sent.toString(), acked.toString());
            final QueueStats stats = queue.stats();
            same("free slots", scenario.lanes() * scenario.capacity(), stats.free());
            same("dead letters left", 0, stats.deadLettered());
            same("acked = sent", stats.counter(CounterIndex.SENT), stats.counter(CounterIndex.ACKED));
            same("end of stream", true, queue.isEndOfStream());
            same("lease after the end", null, consumers[0].tryLease());
            same("status after the end", ReceiveStatus.END_OF_STREAM, consumers[0].status());
        }

        // ---------------------------------------------------------------------------------------------------------
        // Helpers
        // ---------------------------------------------------------------------------------------------------------

        /** Distinct, recognisable bytes for every payload. */
        private byte[] nextPayload(final int length)
        {
            final byte[] payload = new byte[length];
            payloads++;
            for (int i = 0; i < length; i++)
            {
                payload[i] = (byte)(payloads * 16 + i);
            }
            return payload;
        }

        private long nextId(final int lane)
        {
            return ((long)lane << 56) | model.lanes[lane].nextPosition();
        }

        private static String where(final QueueModel.Message message)
        {
            if (message.state == QueueModel.State.LEASED || message.state == QueueModel.State.READY)
            {
                return "dead-lettered";
            }
            return message.state.toString().toLowerCase();
        }

        private static String describe(final QueueModel.Handle handle)
        {
            final QueueModel.Message message = handle.message;
            return idText(message.id) + " lane=" + message.lane() + " delivery=" + handle.deliveryCount +
                " payload=" + hex(message.payload) + " deadline=+" + message.deadline;
        }

        private static String describe(final io.ipcq.Lease lease)
        {
            final byte[] payload = new byte[lease.length()];
            lease.payload().getBytes(0, payload);
            return idText(lease.id()) + " lane=" + lease.lane() + " delivery=" + lease.deliveryCount() +
                " payload=" + hex(payload) + " deadline=+" + (lease.deadlineEpochMs() - START_EPOCH_MS);
        }

        private static String slotCounts(final QueueStats.LaneStats lane)
        {
            String text = QueueModel.slotCounts(lane.free(), lane.ready(), lane.leased(), lane.requeued(),
                lane.parked(), lane.tail());
            // Between steps nothing is in flight: these states must never be seen.
            if (lane.claimed() != 0 || lane.deadLettering() != 0 || lane.invalid() != 0)
            {
                text += " claimed=" + lane.claimed() + " deadLettering=" + lane.deadLettering() +
                    " invalid=" + lane.invalid();
            }
            return text;
        }

        private static String idText(final long id)
        {
            return (id >>> 56) + ":" + (id & 0x00FF_FFFF_FFFF_FFFFL);
        }

        private static String hex(final byte[] bytes)
        {
            return "[" + PrintBufferUtil.hexDump(bytes) + "]";
        }

        private void same(final String what, final Object expected, final Object actual)
        {
            if (!Objects.equals(expected, actual))
            {
                throw fail(what + ": model says " + expected + ", queue says " + actual);
            }
        }

        private AssertionError fail(final String message)
        {
            return new AssertionError(message + System.lineSeparator() + scenario + System.lineSeparator() +
                model + System.lineSeparator() + "steps, with the queue's answers (ids are lane:position):" +
                System.lineSeparator() + String.join(System.lineSeparator(), trace));
        }

        /** Closes every handle and the mapping, and removes the file, whatever happened. */
        @Override
        public void close()
        {
            try
            {
                if (queue != null)
                {
                    queue.close();
                }
            }
            finally
            {
                IpcQueue.delete(path);
                OPEN_FILES.remove(path);
            }
        }
    }
}
