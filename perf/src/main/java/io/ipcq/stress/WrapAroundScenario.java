package io.ipcq.stress;

import io.ipcq.ring.LaneRing;
import io.ipcq.ring.RingProducer;
import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.stress.RingFixture.*;

/**
 * A producer and a consumer racing across a lap boundary of a capacity-2 lane whose positions start at a large
 * {@code base} (tail, cursor, head and each slot's sequence all set consistently), with every slot's generation
 * four transitions below 2^32 so the lease-state generations wrap during the race too.
 * <p>
 * Before the actors start the lane is full: positions base and base + 1 are committed. The consumer leases and
 * acks up to three times (the third finds base + 2 only if the producer has committed it by then). The producer
 * claims twice; a claim succeeds only once the consumer's ack of the position a lap below has freed the slot.
 * Before each claim the producer reads how many acks the consumer has completed (a volatile counter written after
 * each ack returns): if the slot it needs was already freed then, FULL is spurious.
 * <p>
 * The arbiter drains the rest. r1: messages the consumer got. r2: claims the producer made. r3: verdict bits,
 * 0 if everything held: {@link #OUT_OF_ORDER} 1, {@link #BAD_DELIVERY} 2, {@link #ACK_FENCED} 4,
 * {@link #SPURIOUS_FULL} 8, {@link #WRONG_CLAIM} 16, {@link #LOST_OR_DUPLICATED} 32, {@link #NOT_DRAINED} 64.
 * <p>
 * jcstress wants the actor methods on the test class: the tests hold one of these and delegate.
 */
@Outcome(id = "2, 0, 0", expect = Expect.ACCEPTABLE,
    desc = "both claims before the consumer's first ack: FULL twice; the consumer gets the two prefilled messages")
@Outcome(id = "2, 1, 0", expect = Expect.ACCEPTABLE,
    desc = "ack(base) -> claim(base + 2) succeeds, the other claim is FULL or its message is left to the arbiter")
@Outcome(id = "2, 2, 0", expect = Expect.ACCEPTABLE,
    desc = "both claims succeed after the acks; the consumer's third lease ran before the first commit")
@Outcome(id = "3, 1, 0", expect = Expect.ACCEPTABLE,
    desc = "ack(base) -> claim + commit(base + 2) -> the consumer's third lease gets it across the lap boundary")
@Outcome(id = "3, 2, 0", expect = Expect.ACCEPTABLE,
    desc = "as above, and the second claim (base + 3) succeeds after ack(base + 1); the arbiter drains it")
@Outcome(id = ".*, .*, [1-9][0-9]*", expect = Expect.FORBIDDEN,
    desc = "a message lost, duplicated, torn or out of order, a fenced ack, a spurious FULL, or a leftover")
@Outcome(expect = Expect.FORBIDDEN, desc = "any other state is a protocol error")
final class WrapAroundScenario
{
    static final int OUT_OF_ORDER = 1;
    static final int BAD_DELIVERY = 2;
    static final int ACK_FENCED = 4;
    static final int SPURIOUS_FULL = 8;
    static final int WRONG_CLAIM = 16;
    static final int LOST_OR_DUPLICATED = 32;
    static final int NOT_DRAINED = 64;

    /** Every slot starts FREE at this generation: the race runs the generations through 2^32. */
    static final int GENERATION_BELOW_WRAP = -4;

    private static final int CONSUMER_ATTEMPTS = 3;
    private static final int PRODUCER_ATTEMPTS = 2;

    private final RingFixture fixture;
    private final long base;
    private final SlotLease consumerLease = new SlotLease();
    private final SlotLease arbiterLease = new SlotLease();
    private final long[] consumed = new long[CONSUMER_ATTEMPTS];
    private volatile int acked;
    private int consumerVerdict;
    private int producerVerdict;
    private int claims;

    WrapAroundScenario(final long base)
    {
        this.base = base;
        fixture = new RingFixture(2, base, GENERATION_BELOW_WRAP);
        fixture.produce(PRODUCER_1);
        fixture.produce(PRODUCER_1);
    }

    void consumer(final III_Result r)
    {
        final LaneRing ring = fixture.lane;
        int count = 0;
        int verdict = 0;
        for (int i = 0; i < CONSUMER_ATTEMPTS; i++)
        {
            if (ring.consumer().tryLeaseNext(CONSUMER_1, consumerLease, LEASE_TIMEOUT_MS))
            {
                consumed[count] = consumerLease.position();
                if (consumerLease.position() != base + count)
                {
                    verdict |= OUT_OF_ORDER;
                }
                if (fixture.checkDelivery(consumerLease, 1) != 0)
                {
                    verdict |= BAD_DELIVERY;
                }
                if (!ring.consumer().ack(consumerLease))
                {
                    verdict |= ACK_FENCED;
                }
                count++;
                acked = count;
            }
        }
        consumerVerdict = verdict;
        r.r1 = count;
    }

    void producer(final III_Result r)
    {
        final LaneRing ring = fixture.lane;
        int claimed = 0;
        int verdict = 0;
        for (int i = 0; i < PRODUCER_ATTEMPTS; i++)
        {
            // The claim needs the slot of position base + claimed freed: the consumer's ack number claimed + 1.
            final int acksBefore = acked;
            final long position = ring.producer().tryClaim(PRODUCER_2);
            if (position == RingProducer.FULL)
            {
                if (acksBefore > claimed)
                {
                    verdict |= SPURIOUS_FULL;
                }
                continue;
            }
            if (position != base + 2 + claimed)
            {
                verdict |= WRONG_CLAIM;
                if (position < 0)
                {
                    continue;
                }
            }
            fixture.writeAndCommit(position);
            claimed++;
        }
        claims = claimed;
        producerVerdict = verdict;
        r.r2 = claimed;
    }

    void arbiter(final III_Result r)
    {
        final LaneRing ring = fixture.lane;
        int verdict = consumerVerdict | producerVerdict;
        final int consumerCount = acked;
        final long end = base + 2 + claims;
        long next = base + consumerCount;
        for (int i = 0; i < 4 && ring.consumer().tryLeaseNext(ARBITER, arbiterLease, LEASE_TIMEOUT_MS); i++)
        {
            if (arbiterLease.position() != next)
            {
                verdict |= LOST_OR_DUPLICATED;
            }
            if (fixture.checkDelivery(arbiterLease, 1) != 0)
            {
                verdict |= BAD_DELIVERY;
            }
            if (!ring.consumer().ack(arbiterLease))
            {
                verdict |= ACK_FENCED;
            }
            next++;
        }
        if (next != end)
        {
            verdict |= LOST_OR_DUPLICATED;
        }
        for (int i = 0; i < consumerCount; i++)
        {
            if (consumed[i] != base + i)
            {
                verdict |= OUT_OF_ORDER;
            }
        }
        if (ring.slots().tailPosition() != end || !fixture.isEmptyAndDrained(arbiterLease) ||
            ring.slots().leaseCursor() != end)
        {
            verdict |= NOT_DRAINED;
        }
        r.r3 = verdict;
    }
}
