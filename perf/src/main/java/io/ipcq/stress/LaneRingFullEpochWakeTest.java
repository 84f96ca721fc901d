package io.ipcq.stress;

import io.ipcq.ring.LaneRing;
import io.ipcq.ring.RingProducer;
import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The Full Epoch handshake: a producer searching a full lane against a consumer acking one message. Capacity 4:
 * positions 0..3 are produced and leased, so every slot holds a message; the tail is 4. The consumer acks position 2
 * (a slot that is not at the tail: only the producer's search can find it). The producer, with its own memory of the
 * epoch (the {@code long[]} a {@code Producer} passes), claims; if told FULL it claims once more. A search that found no
 * free slot remembers the odd epoch it announced before searching, and answers FULL from that memory while the epoch is
 * unchanged; every free makes the epoch even after its sequence CAS. So once the ack has returned, the producer's next
 * claim must search again and find slot 2: positions 4 and 5 skipped (slots 0 and 1 hold messages 0 and 1), 6 claimed.
 * A lost wake-up (the producer announcing after its search, or the free waking before its sequence CAS) leaves the
 * producer answering FULL for good with a free slot in the lane.
 * <p>
 * r1: the producer's first claim, r2: its second (only if the first was FULL; -9 if not made): the position claimed
 * and committed, or -1 FULL. r3 (arbiter): 0 if everything held, else bits: {@link #SPURIOUS_FULL} 1 (the second claim
 * answered FULL although the ack had returned before it started), {@link #LOST_WAKEUP} 2 (after both actors, a claim
 * by the same producer, with the same memory, is still FULL), {@link #ACK_FENCED} 4, {@link #NOT_FULL_AGAIN} 8 (with
 * the new message in, four messages, a further claim is not FULL), {@link #LOST_OR_DUPLICATED} 16, {@link #NOT_DRAINED}
 * 32, {@link #CAPACITY_LOST} 64.
 */
@JCStressTest
@Description("Full Epoch handshake: once the ack of a message returned, a producer that saw FULL is never FULL again")
@Outcome(id = "6, -9, 0", expect = ACCEPTABLE,
    desc = "the ack's free before the producer's search reached slot 2: skip 4 and 5, claim 6")
@Outcome(id = "-1, 6, 0", expect = ACCEPTABLE,
    desc = "the first search found every slot held (FULL, epoch remembered); the free made the epoch even, the second " +
        "claim searched again and claimed 6")
@Outcome(id = "-1, -1, 0", expect = ACCEPTABLE,
    desc = "both claims before the ack's free (the second answered from the epoch, or searched); the arbiter's claim, " +
        "after the ack returned, gets 6")
@Outcome(id = ".*, .*, [1-9][0-9]*", expect = FORBIDDEN,
    desc = "FULL after the ack returned (lost wake-up), a fenced ack, a message lost or duplicated, capacity lost")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingFullEpochWakeTest
{
    static final int SPURIOUS_FULL = 1;
    static final int LOST_WAKEUP = 2;
    static final int ACK_FENCED = 4;
    static final int NOT_FULL_AGAIN = 8;
    static final int LOST_OR_DUPLICATED = 16;
    static final int NOT_DRAINED = 32;
    static final int CAPACITY_LOST = 64;

    static final int NOT_MADE = -9;
    private static final long EXPECTED = 6;

    private final RingFixture fixture = new RingFixture(4, 0, 0);
    private final SlotLease[] leases = new SlotLease[4];
    private final long[] fullEpochsSeen = new long[1];
    private final SlotLease lease = new SlotLease();
    private volatile boolean ackReturned;
    private boolean acked;
    private int producerVerdict;

    public LaneRingFullEpochWakeTest()
    {
        for (int i = 0; i < 4; i++)
        {
            fixture.produce(PRODUCER_1);
        }
        for (int i = 0; i < 4; i++)
        {
            leases[i] = fixture.leaseNext(CONSUMER_1);
        }
    }

    @Actor
    public void consumer()
    {
        acked = fixture.lane.consumer().ack(leases[2]);
        ackReturned = true;
    }

    @Actor
    public void producer(final III_Result r)
    {
        final long first = claimAndCommit();
        r.r1 = (int)first;
        if (first != RingProducer.FULL)
        {
            r.r2 = NOT_MADE;
            return;
        }
        final boolean freedBefore = ackReturned;
        final long second = claimAndCommit();
        if (second == RingProducer.FULL && freedBefore)
        {
            producerVerdict |= SPURIOUS_FULL;
        }
        r.r2 = (int)second;
    }

    private long claimAndCommit()
    {
        final long position = fixture.lane.producer().tryClaim(PRODUCER_2, fullEpochsSeen);
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
        return position;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final LaneRing ring = fixture.lane;
        int verdict = producerVerdict;
        if (!acked)
        {
            verdict |= ACK_FENCED;
        }
        if (r.r1 != EXPECTED && r.r2 != EXPECTED)
        {
            // The producer's next claim, with the memory its last search left: the ack has returned.
            final long position = claimAndCommit();
            if (position == RingProducer.FULL)
            {
                verdict |= LOST_WAKEUP;
            }
            else if (position != EXPECTED)
            {
                verdict |= LOST_OR_DUPLICATED;
            }
        }
        if (ring.producer().tryClaim(PRODUCER_2, fullEpochsSeen) != RingProducer.FULL)
        {
            verdict |= NOT_FULL_AGAIN;
        }
        if (ring.slots().tailPosition() != EXPECTED + 1 || !fixture.consumeExactly(EXPECTED, lease) ||
            ring.consumer().tryLeaseNext(ARBITER, lease, LEASE_TIMEOUT_MS))
        {
            verdict |= LOST_OR_DUPLICATED;
        }
        for (int i : new int[] {0, 1, 3})
        {
            if (!ring.consumer().ack(leases[i]))
            {
                verdict |= ACK_FENCED;
            }
        }
        if (!fixture.isEmptyAndDrained(lease) || ring.slots().leaseCursor() != EXPECTED + 1)
        {
            verdict |= NOT_DRAINED;
        }
        if (!fixture.refillsExactly(4))
        {
            verdict |= CAPACITY_LOST;
        }
        r.r3 = verdict;
    }
}
