package io.ipcq.tools.chaos;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads every log of a finished soak and decides, message by message, what happened to it.
 * <p>
 * The messages: producer incarnation k logged L (its messages 0..L-1 were sent with OK); its message L may have been
 * committed just before a kill and never logged; anything above L was never sent (a delivery of it is a
 * <b>phantom</b>).
 * <p>
 * The outcome of each message, from every delivery record of every consumer (and the driver's final dead-letter
 * drain):
 * <ul>
 *   <li><b>acked</b>: exactly one ack was accepted (ACKED). Two accepted acks are a <b>duplicate</b>; a delivery
 *   whose lease call started after an accepted ack had answered is a <b>delivery after ack</b> (the clock is
 *   CLOCK_MONOTONIC, shared by all processes); a copy in the dead-letter ring as well is <b>acked and
 *   dead-lettered</b>: all failures.</li>
 *   <li><b>dead-lettered</b>: no accepted ack on the lanes, read (acked) from the dead-letter ring. Read twice is
 *   tolerated (a dead-letter move interrupted by a kill is redone: documented at-least-once) up to one per
 *   kill.</li>
 *   <li><b>acked in flight</b>: no accepted ack, nothing in the dead-letter ring, but a consumer was killed between
 *   "acking" and "acked". Its ack landed: the queue drained to empty at the end, so had it not, the message would
 *   have been delivered and resolved again.</li>
 *   <li><b>lost</b>: logged as sent and none of the above. Must be 0.</li>
 * </ul>
 * Also checked: every payload passed its CRC (<b>corrupt</b> otherwise), one message id per key and one key per id.
 */
final class ChaosVerifier
{
    record ProducerRun(int incarnation, Path log)
    {
    }

    record ConsumerRun(int incarnation, boolean deadLetters, Path log)
    {
    }

    /**
     * A kill -9.
     *
     * @param consumer       a consumer (lanes or dead letters), not a producer.
     * @param incarnation    which one.
     * @param ns             nanoTime just before the signal.
     * @param stoppedSinceNs when it was stopped, if it was (then -1 otherwise).
     * @param reaper         it was the elected reaper: another process takes over after the heartbeat timeout.
     */
    record Kill(boolean consumer, int incarnation, long ns, long stoppedSinceNs, boolean reaper)
    {
    }

    /** A SIGSTOP past the heartbeat timeout of a consumer, and its SIGCONT (or kill). */
    record LongStop(int incarnation, long stopNs)
    {
    }

    /** A dead letter the driver read and acked in its final drain. */
    record Read(long key, long id, long ns, int deliveries)
    {
    }

    private static final byte ACKING_IN_FLIGHT = 1;
    private static final byte DEAD_LETTER_IN_FLIGHT = 2;
    private static final byte SEEN = 4;

    private final List<ProducerRun> producers;
    private final List<ConsumerRun> consumers;
    private final List<Read> finalReads;
    private final List<Kill> kills;
    private final List<LongStop> longStops;
    private final ChaosReport report;
    private final int lanes;

    private int[] logged;
    private long[] base;
    private int messages;
    private byte[] laneAcks;
    private byte[] deadLetterReads;
    private byte[] flags;
    private long[] firstAckDoneNs;
    private long[] lastLeaseCallNs;
    private long[] ids;
    private final Long2LongHashMap keyById = new Long2LongHashMap(-1);
    private long ackedRecords;
    private long deadLetterAcksInFlightLanded;

    private record Watch(long refNs, boolean kill, boolean reaper, long[] firstAfterNs)
    {
    }

    private final Int2ObjectHashMap<List<Watch>> watches = new Int2ObjectHashMap<>();
    private final List<Watch> allWatches = new ArrayList<>();

    ChaosVerifier(
        final List<ProducerRun> producers,
        final List<ConsumerRun> consumers,
        final List<Read> finalReads,
        final List<Kill> kills,
        final List<LongStop> longStops,
        final ChaosReport report,
        final int lanes)
    {
        this.lanes = lanes;
        this.producers = producers;
        this.consumers = consumers;
        this.finalReads = finalReads;
        this.kills = kills;
        this.longStops = longStops;
        this.report = report;
    }

    void verify()
    {
        indexMessages();
        for (final ConsumerRun run : consumers)
        {
            if (Files.exists(run.log()))
            {
                try (DeliveryLog log = DeliveryLog.open(run.log()))
                {
                    report.evictions += log.evictions();
                    aggregate(run, log);
                }
            }
        }
        for (final Read read : finalReads)
        {
            report.finalDeadLetterReads++;
            record(read.key(), read.id(), read.ns(), read.ns(), read.ns(), read.deliveries(), DeliveryLog.ACKED, true);
        }
        outcomes();
        redeliveryTimes();
    }

    private void indexMessages()
    {
        int maxIncarnation = 0;
        for (final ProducerRun run : producers)
        {
            maxIncarnation = Math.max(maxIncarnation, run.incarnation());
        }
        logged = new int[maxIncarnation + 1];
        base = new long[maxIncarnation + 2];
        for (final ProducerRun run : producers)
        {
            if (Files.exists(run.log()))
            {
                try (SendLog log = SendLog.open(run.log()))
                {
                    logged[run.incarnation()] = Math.toIntExact(log.logged());
                    report.fulls += log.fulls();
                    report.evictions += log.evictions();
                }
            }
        }
        // Room for message L of each incarnation too: it may have been committed at the kill, before its log.
        long total = 0;
        for (int k = 1; k <= maxIncarnation; k++)
        {
            base[k] = total;
            total += logged[k] + 1L;
            report.logged += logged[k];
        }
        messages = Math.toIntExact(total);
        laneAcks = new byte[messages];
        deadLetterReads = new byte[messages];
        flags = new byte[messages];
        firstAckDoneNs = new long[messages];
        lastLeaseCallNs = new long[messages];
        ids = new long[messages];
        Arrays.fill(firstAckDoneNs, Long.MAX_VALUE);
        Arrays.fill(lastLeaseCallNs, Long.MIN_VALUE);
    }

    /**
     * @return the message's index, or -1 (after counting a phantom) if no producer could have sent it.
     */
    private int index(final long key)
    {
        final int k = ChaosMessages.incarnation(key);
        final long sequence = ChaosMessages.sequence(key);
        if (k < 1 || k >= logged.length || sequence > logged[k])
        {
            return -1;
        }
        return (int)(base[k] + sequence);
    }

    private void aggregate(final ConsumerRun run, final DeliveryLog log)
    {
        final Kill kill = kills.stream()
            .filter(candidate -> candidate.consumer() && candidate.incarnation() == run.incarnation())
            .findFirst().orElse(null);
        final List<LongStop> stops = longStops.stream()
            .filter(stop -> stop.incarnation() == run.incarnation()).toList();
        final int records = log.records();
        for (int i = 0; i < records; i++)
        {
            final int state = log.state(i);
            final long key = log.key(i);
            final long leaseNs = log.leaseNs(i);
            final long doneNs = log.opDoneNs(i);
            record(key, log.id(i), log.leaseCallNs(i), leaseNs, state == DeliveryLog.ACKING ? log.opStartNs(i) : doneNs,
                log.deliveries(i), state, run.deadLetters());
            final int index = key < 0 ? -1 : index(key);
            if (index < 0)
            {
                continue;
            }
            final boolean open = state == DeliveryLog.LEASED || state == DeliveryLog.ACKING ||
                state == DeliveryLog.RELEASING;
            if (kill != null && kill.stoppedSinceNs() < 0 && open)
            {
                watch(index, kill.ns(), true, kill.reaper());
            }
            for (final LongStop stop : stops)
            {
                // Leases held when it was stopped (not those held past their timeout on purpose: they expire).
                if (leaseNs < stop.stopNs() && (doneNs == 0 || doneNs > stop.stopNs()) &&
                    (log.flags(i) & DeliveryLog.FLAG_FORGOTTEN) == 0)
                {
                    watch(index, stop.stopNs(), false, false);
                }
            }
        }
    }

    private void watch(final int index, final long refNs, final boolean kill, final boolean reaper)
    {
        final Watch watch = new Watch(refNs, kill, reaper, new long[]{ Long.MAX_VALUE });
        watches.computeIfAbsent(index, ignore -> new ArrayList<>()).add(watch);
        allWatches.add(watch);
    }

    private void record(
        final long key,
        final long id,
        final long leaseCallNs,
        final long leaseNs,
        final long opNs,
        final int deliveryCount,
        final int state,
        final boolean deadLetters)
    {
        report.deliveries++;
        if (deliveryCount > 1)
        {
            report.redeliveries++;
        }
        if (state == DeliveryLog.FENCED || state == DeliveryLog.RELEASE_FENCED)
        {
            report.fencedLogged++;
        }
        if (state == DeliveryLog.ACKED)
        {
            ackedRecords++;
        }
        if (key < 0)
        {
            report.corrupt++;
            report.example("corrupt payload: message id " + Long.toHexString(id) + ", delivery " + deliveryCount);
            return;
        }
        final int index = index(key);
        if (index < 0)
        {
            report.phantoms++;
            report.example("phantom: " + ChaosMessages.describe(key) + " delivered but never sent");
            return;
        }
        flags[index] |= SEEN;
        if (ids[index] == 0)
        {
            ids[index] = id;
        }
        else if (ids[index] != id)
        {
            report.idMismatches++;
            report.example("message " + ChaosMessages.describe(key) + " delivered with ids " +
                Long.toHexString(ids[index]) + " and " + Long.toHexString(id));
        }
        final long otherKey = keyById.put(id, key);
        if (otherKey != -1 && otherKey != key)
        {
            report.idMismatches++;
            report.example("id " + Long.toHexString(id) + " carried " + ChaosMessages.describe(otherKey) + " and " +
                ChaosMessages.describe(key));
        }
        lastLeaseCallNs[index] = Math.max(lastLeaseCallNs[index], leaseCallNs);
        if (deadLetters)
        {
            if (state == DeliveryLog.ACKED)
            {
                report.deadLetterReads++;
                deadLetterReads[index] = (byte)Math.min(deadLetterReads[index] + 1, 100);
            }
            else if (state == DeliveryLog.ACKING)
            {
                flags[index] |= DEAD_LETTER_IN_FLIGHT;
            }
        }
        else
        {
            if (state == DeliveryLog.ACKED)
            {
                laneAcks[index] = (byte)Math.min(laneAcks[index] + 1, 100);
                firstAckDoneNs[index] = Math.min(firstAckDoneNs[index], opNs);
            }
            else if (state == DeliveryLog.ACKING)
            {
                flags[index] |= ACKING_IN_FLIGHT;
            }
        }
    }

    private void outcomes()
    {
        for (int k = 1; k < logged.length; k++)
        {
            for (long sequence = 0; sequence <= logged[k]; sequence++)
            {
                final long key = ChaosMessages.key(k, sequence);
                final int i = (int)(base[k] + sequence);
                final boolean wasLogged = sequence < logged[k];
                final boolean seen = (flags[i] & SEEN) != 0;
                if (seen)
                {
                    report.committed++;
                    if (!wasLogged)
                    {
                        report.unloggedDelivered++;
                    }
                }
                final boolean deadLettered = deadLetterReads[i] > 0 || (flags[i] & DEAD_LETTER_IN_FLIGHT) != 0;
                final boolean poison = ChaosMessages.isPoison(key);
                if (laneAcks[i] > 0)
                {
                    report.acked++;
                    if (laneAcks[i] > 1)
                    {
                        report.duplicateAcks++;
                        report.example("acked " + laneAcks[i] + " times: " + ChaosMessages.describe(key));
                    }
                    if (lastLeaseCallNs[i] > firstAckDoneNs[i])
                    {
                        report.deliveredAfterAck++;
                        report.example("delivered again after its ack: " + ChaosMessages.describe(key));
                    }
                    if (deadLettered)
                    {
                        report.ackedAndDeadLettered++;
                        report.example("acked and dead-lettered: " + ChaosMessages.describe(key));
                    }
                    if (poison)
                    {
                        report.poisonAcked++;
                        report.example("poison acked on a lane: " + ChaosMessages.describe(key));
                    }
                }
                else if (deadLettered)
                {
                    report.deadLettered++;
                    if (poison)
                    {
                        report.poison++;
                    }
                    if (deadLetterReads[i] > 1)
                    {
                        report.deadLetteredTwice++;
                    }
                    if (deadLetterReads[i] == 0)
                    {
                        deadLetterAcksInFlightLanded++;
                    }
                }
                else if ((flags[i] & ACKING_IN_FLIGHT) != 0)
                {
                    report.ackedInFlight++;
                }
                else if (wasLogged)
                {
                    report.lost++;
                    report.example("LOST: " + ChaosMessages.describe(key) + (seen ? " (delivered, never acked)" :
                        " (never delivered)") + ", message id " + (ids[i] == 0 ? "-" : Long.toHexString(ids[i])) +
                        ", lane " + ChaosMessages.lane(key, lanes));
                }
            }
        }
    }

    private void redeliveryTimes()
    {
        if (watches.isEmpty())
        {
            return;
        }
        for (final ConsumerRun run : consumers)
        {
            if (!Files.exists(run.log()))
            {
                continue;
            }
            try (DeliveryLog log = DeliveryLog.open(run.log()))
            {
                final int records = log.records();
                for (int i = 0; i < records; i++)
                {
                    final long key = log.key(i);
                    final int index = key < 0 ? -1 : index(key);
                    final List<Watch> list = index < 0 ? null : watches.get(index);
                    if (list != null)
                    {
                        firstAfter(list, log.leaseNs(i));
                    }
                }
            }
        }
        for (final Read read : finalReads)
        {
            final int index = index(read.key());
            final List<Watch> list = index < 0 ? null : watches.get(index);
            if (list != null)
            {
                firstAfter(list, read.ns());
            }
        }
        final List<Double> killMs = new ArrayList<>();
        double maxStopMs = Double.NaN;
        double maxNonReaperMs = Double.NaN;
        for (final Watch watch : allWatches)
        {
            if (watch.firstAfterNs()[0] == Long.MAX_VALUE)
            {
                continue; // an ack in flight that landed, or a lease revoked before the kill and resolved before it
            }
            final double ms = (watch.firstAfterNs()[0] - watch.refNs()) / 1e6;
            if (watch.kill())
            {
                killMs.add(ms);
                if (!watch.reaper())
                {
                    maxNonReaperMs = Double.isNaN(maxNonReaperMs) ? ms : Math.max(maxNonReaperMs, ms);
                }
            }
            else
            {
                report.stopRedeliveries++;
                maxStopMs = Double.isNaN(maxStopMs) ? ms : Math.max(maxStopMs, ms);
            }
        }
        report.maxStopToRedeliveryMs = maxStopMs;
        report.maxKillToRedeliveryNotReaperMs = maxNonReaperMs;
        if (!killMs.isEmpty())
        {
            killMs.sort(null);
            report.killRedeliveries = killMs.size();
            report.maxKillToRedeliveryMs = killMs.get(killMs.size() - 1);
            report.medianKillToRedeliveryMs = killMs.get(killMs.size() / 2);
        }
    }

    private static void firstAfter(final List<Watch> list, final long leaseNs)
    {
        for (final Watch watch : list)
        {
            if (leaseNs > watch.refNs() && leaseNs < watch.firstAfterNs()[0])
            {
                watch.firstAfterNs()[0] = leaseNs;
            }
        }
    }

    /**
     * @return accepted acks of every kind, as the logs say: ACKED records on the lanes and on the dead-letter ring
     * (corrupt ones included), and acks in flight at a kill that landed. The queue's acked counter must not exceed it.
     */
    long acceptedAcks()
    {
        return ackedRecords + report.ackedInFlight + deadLetterAcksInFlightLanded;
    }

    /**
     * @return copies taken out of the dead-letter ring (accepted acks there, and acks in flight there that landed):
     * each is one move into it. The queue's dead-lettered counter must not exceed it.
     */
    long deadLetterCopies()
    {
        return report.deadLetterReads + deadLetterAcksInFlightLanded;
    }
}
