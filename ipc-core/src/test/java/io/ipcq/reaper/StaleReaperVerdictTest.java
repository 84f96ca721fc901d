package io.ipcq.reaper;

import io.ipcq.QueueConfig;
import io.ipcq.ReapResult;
import io.ipcq.TempQueues;
import io.ipcq.internal.ParticipantTable;
import io.ipcq.internal.QueueFile;
import io.ipcq.internal.QueueRings;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import io.ipcq.ring.SlotLease;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A reaper that stalls in the middle of a pass (SIGSTOP, a long GC or scheduling pause on a loaded host) for longer
 * than the heartbeat timeout acts, when it wakes, on the verdict it made before the stall. Meanwhile another process
 * took over the reaper role, reclaimed the dead participant's row, and a new producer attached to that same row:
 * holder ids are row indexes, so the stale verdict "holder h is gone" now names the new, live producer, and the stale
 * sweep tombstones its claim. The producer's commit then stores READY and the sequence over the tombstone (plain
 * stores), after a consumer stepped over the tombstone: the message its trySend answered OK for is never delivered,
 * and the slot's sequence went backwards (the lane answers FULL a lap later, and never reaches end of stream).
 * <p>
 * The steps of the two reapers, the producer and the consumer are interleaved by hand, with the very classes each
 * process runs; the stall is the gap between {@link Reaper#reap()}'s participant loop and its sweep. Found by
 * reading the code while writing the chaos soak (whose SIGSTOPs land inside a reaper pass only rarely). Fixed by
 * {@link HolderVerdict} asking, right before each repair, whether the holder's row is still marked dead.
 */
class StaleReaperVerdictTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void aStaleVerdictMustNotTombstoneTheClaimOfAProducerThatReusedTheRow() throws Exception
    {
        final CachedEpochClock epochClock = new CachedEpochClock();
        epochClock.update(1_000_000);
        final QueueConfig config = QueueConfig.builder().capacity(8).maxPayloadLength(32)
            .heartbeatTimeout(Duration.ofSeconds(1)).leaseTimeout(Duration.ofSeconds(30)).build();
        try (QueueFile file = QueueFile.create(queues.newPath(), config, epochClock.time()))
        {
            final UnsafeBuffer buffer = file.buffer();
            final QueueDescriptor.Geometry geometry = file.geometry();
            final QueueClock clock = new QueueClock(epochClock, file.createdEpochMs());
            final LaneRing deadLetters = QueueRings.deadLetters(file, clock);
            final LaneRing lane = QueueRings.lane(file, 0, clock, deadLetters);
            final ParticipantTable participants = new ParticipantTable(buffer, geometry.participantTableOffset(),
                geometry.participantCapacity());
            final LaneRing[] lanes = { lane };

            // Reapers A and C, one per process, each with its admin row.
            final int rowA = participants.attach(ParticipantDescriptor.ROLE_ADMIN, epochClock.time());
            final int rowC = participants.attach(ParticipantDescriptor.ROLE_ADMIN, epochClock.time());
            final LeaseSweeper sweeperA = new LeaseSweeper(buffer, lanes, deadLetters, clock, rowA + 1, 1000);
            final Reaper reaperC = new Reaper(participants,
                new LeaseSweeper(buffer, lanes, deadLetters, clock, rowC + 1, 1000), clock, 1000, rowC);

            // Producer B attached, then its process died (a pid that no longer exists).
            final int rowB = participants.attach(ParticipantDescriptor.ROLE_PRODUCER, epochClock.time());
            buffer.putLong(participants.rowOffset(rowB) + ParticipantDescriptor.PID_OFFSET, deadPid());

            // Reaper A starts a pass: B is dead and gone (what Reaper.reap's participant loop decides)...
            assertTrue(participants.markDead(rowB, ParticipantDescriptor.ROW_ACTIVE));
            final HolderVerdict staleVerdict = new HolderVerdict(participants);
            staleVerdict.markDead(rowB + 1, true, participants.pid(rowB), participants.startTime(rowB));
            // ...and stalls here, before its sweep, for longer than the heartbeat timeout.

            // Reaper C takes over and runs a whole pass: it reclaims B's row.
            epochClock.advance(1_500);
            participants.beat(rowC, epochClock.time());
            assertEquals(1, reaperC.reap().reclaimedParticipants());
            assertEquals(ParticipantDescriptor.ROW_FREE, participants.rowState(rowB));

            // Producer D attaches (it gets B's row, the first free one) and claims position 0.
            final int rowD = participants.attach(ParticipantDescriptor.ROLE_PRODUCER, epochClock.time());
            assertEquals(rowB, rowD, "the row is reused");
            final long position = lane.producer().tryClaim(rowD + 1);
            assertEquals(0, position);

            // Reaper A wakes and finishes its pass with the verdict it made before the stall.
            final ReapResult stale = sweeperA.sweep(staleVerdict);

            // A consumer looks at the lane meanwhile (it steps over a tombstone).
            final SlotLease lease = new SlotLease();
            final boolean leasedEarly = lane.consumer().tryLeaseNext(9, lease, 30_000);

            // D writes and commits: its trySend answers OK.
            lane.slots().buffer().putLong(
                lane.slots().slotOffset(position) + io.ipcq.layout.SlotDescriptor.PAYLOAD_OFFSET, 42);
            lane.producer().commit(position, Long.BYTES);

            final boolean delivered = leasedEarly || lane.consumer().tryLeaseNext(9, lease, 30_000) ||
                lane.consumer().tryLeaseRequeued(9, lease, 30_000);
            final String slot = "stale pass repaired " + stale.repairedClaims() + " claim(s); slot now " +
                LeaseState.toString(lane.slots().leaseStateWord(position)) + ", sequence " +
                lane.slots().sequence(position) +
                ", lease cursor " + lane.slots().leaseCursor();
            assertTrue(delivered, "the message D committed is never delivered: " + slot);
            assertEquals(0, stale.repairedClaims(), "the stale pass tombstoned the live producer's claim: " + slot);
        }
    }

    /**
     * The same stale verdict, but the producer that reused the row is itself declared dead (paused past the heartbeat
     * timeout, its process alive) before the stalled reaper wakes: the row is marked dead again, now for the new
     * producer, so a check of the row's state alone lets the stale "gone" verdict through. The live producer's claim
     * is tombstoned (the protocol never repairs the claim of a producer whose process is alive: it may still commit),
     * and when it wakes its commit stores READY over the tombstone and its sequence CAS fails: the lane drains and
     * ends its stream without the message its trySend answered OK for. Fixed by the verdict naming the process it
     * judged (pid and start time), not only the row; the stale pass's row reclaim checks the same.
     */
    @Test
    void aStaleVerdictMustNotTombstoneTheClaimOfAPausedProducerThatReusedTheRow() throws Exception
    {
        final CachedEpochClock epochClock = new CachedEpochClock();
        epochClock.update(1_000_000);
        final QueueConfig config = QueueConfig.builder().capacity(8).maxPayloadLength(32)
            .heartbeatTimeout(Duration.ofSeconds(1)).leaseTimeout(Duration.ofSeconds(30)).build();
        try (QueueFile file = QueueFile.create(queues.newPath(), config, epochClock.time()))
        {
            final UnsafeBuffer buffer = file.buffer();
            final QueueDescriptor.Geometry geometry = file.geometry();
            final QueueClock clock = new QueueClock(epochClock, file.createdEpochMs());
            final LaneRing deadLetters = QueueRings.deadLetters(file, clock);
            final LaneRing lane = QueueRings.lane(file, 0, clock, deadLetters);
            final ParticipantTable participants = new ParticipantTable(buffer, geometry.participantTableOffset(),
                geometry.participantCapacity());
            final LaneRing[] lanes = { lane };

            final int rowA = participants.attach(ParticipantDescriptor.ROLE_ADMIN, epochClock.time());
            final int rowC = participants.attach(ParticipantDescriptor.ROLE_ADMIN, epochClock.time());
            final LeaseSweeper sweeperA = new LeaseSweeper(buffer, lanes, deadLetters, clock, rowA + 1, 1000);
            final Reaper reaperC = new Reaper(participants,
                new LeaseSweeper(buffer, lanes, deadLetters, clock, rowC + 1, 1000), clock, 1000, rowC);

            // Producer B attached, then its process died; reaper A judges it gone and stalls before its sweep.
            final int rowB = participants.attach(ParticipantDescriptor.ROLE_PRODUCER, epochClock.time());
            buffer.putLong(participants.rowOffset(rowB) + ParticipantDescriptor.PID_OFFSET, deadPid());
            assertTrue(participants.markDead(rowB, ParticipantDescriptor.ROW_ACTIVE));
            final HolderVerdict staleVerdict = new HolderVerdict(participants);
            staleVerdict.markDead(rowB + 1, true, participants.pid(rowB), participants.startTime(rowB));

            // Reaper C takes over and reclaims B's row; producer D (this live process) attaches to it and claims.
            epochClock.advance(1_500);
            participants.beat(rowC, epochClock.time());
            assertEquals(1, reaperC.reap().reclaimedParticipants());
            final int rowD = participants.attach(ParticipantDescriptor.ROLE_PRODUCER, epochClock.time());
            assertEquals(rowB, rowD, "the row is reused");
            final long position = lane.producer().tryClaim(rowD + 1);
            assertEquals(0, position);

            // D pauses past the heartbeat timeout: C declares it dead, but its process lives, so C keeps its claim.
            epochClock.advance(1_500);
            participants.beat(rowC, epochClock.time());
            final ReapResult byC = reaperC.reap();
            assertEquals(ParticipantDescriptor.ROW_DEAD, participants.rowState(rowD));
            assertEquals(0, byC.repairedClaims(), "a live producer's claim is never repaired");

            // Reaper A wakes and finishes its pass with its verdict about B; then D wakes and commits (trySend: OK).
            final ReapResult stale = sweeperA.sweep(staleVerdict);
            final SlotLease lease = new SlotLease();
            final boolean leasedEarly = lane.consumer().tryLeaseNext(9, lease, 30_000);
            lane.slots().buffer().putLong(
                lane.slots().slotOffset(position) + io.ipcq.layout.SlotDescriptor.PAYLOAD_OFFSET, 42);
            lane.producer().commit(position, Long.BYTES);

            final boolean delivered = leasedEarly || lane.consumer().tryLeaseNext(9, lease, 30_000) ||
                lane.consumer().tryLeaseRequeued(9, lease, 30_000);
            lane.producer().seal();
            final String slot = "stale pass repaired " + stale.repairedClaims() + " claim(s); slot now " +
                LeaseState.toString(lane.slots().leaseStateWord(position)) + ", sequence " +
                lane.slots().sequence(position) +
                ", lease cursor " + lane.slots().leaseCursor() + ", lane drained (end of stream once sealed): " +
                lane.slots().isDrained();
            assertTrue(delivered, "the message D committed is never delivered: " + slot);
            assertEquals(0, stale.repairedClaims(), "the stale pass tombstoned the live producer's claim: " + slot);
        }
    }

    private static long deadPid() throws Exception
    {
        final Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }
}
