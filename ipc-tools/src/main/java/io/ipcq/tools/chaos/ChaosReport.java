package io.ipcq.tools.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one soak run and the checks that failed (none if it passed). Filled by {@link ChaosSoak} and
 * {@link ChaosVerifier}.
 */
public final class ChaosReport
{
    // The run
    long seed;
    double seconds;
    double chaosSeconds;
    int producers;
    int consumers;
    int deadLetterConsumers;
    int processesStarted;
    int kills;
    int producerKills;
    int consumerKills;
    int deadLetterConsumerKills;
    int reaperKills;
    int killsWhileStopped;
    int shortStops;
    int longStops;
    long evictions;
    final Map<String, Integer> crashHalts = new TreeMap<>();
    long fulls;

    // Messages, from the logs
    long logged;
    long unloggedDelivered;
    long committed;
    long acked;
    long ackedInFlight;
    long deadLettered;
    long deadLetteredTwice;
    long poison;
    long lost;
    long duplicateAcks;
    long deliveredAfterAck;
    long ackedAndDeadLettered;
    long poisonAcked;
    long corrupt;
    long phantoms;
    long idMismatches;
    long deliveries;
    long redeliveries;
    long fencedLogged;
    long deadLetterReads;
    long finalDeadLetterReads;
    final List<String> examples = new ArrayList<>();

    // Kill and stop to redelivery
    long killRedeliveries;
    double maxKillToRedeliveryMs = Double.NaN;
    double medianKillToRedeliveryMs = Double.NaN;
    double maxKillToRedeliveryNotReaperMs = Double.NaN;
    long stopRedeliveries;
    double maxStopToRedeliveryMs = Double.NaN;

    // The queue's counters after draining, and the end state
    long counterSent;
    long counterDelivered;
    long counterAcked;
    long counterReleased;
    long counterExpired;
    long counterRedelivered;
    long counterDeadLettered;
    long counterRejectedFull;
    long counterFencedAcks;
    long counterRevokedDead;
    long counterRepairedClaims;
    boolean drained;

    final List<String> failures = new ArrayList<>();
    String workDirectory;
    String queuePath;

    public boolean ok()
    {
        return failures.isEmpty();
    }

    public long lost()
    {
        return lost;
    }

    public int kills()
    {
        return kills;
    }

    public List<String> failures()
    {
        return failures;
    }

    void crashHalt(final String point)
    {
        crashHalts.merge(point, 1, Integer::sum);
    }

    /** @return halts at an armed crash point. */
    public int crashHalts()
    {
        return crashHalts.values().stream().mapToInt(Integer::intValue).sum();
    }

    void fail(final String failure)
    {
        failures.add(failure);
    }

    void example(final String example)
    {
        if (examples.size() < 20)
        {
            examples.add(example);
        }
    }

    void print(final PrintStream out)
    {
        out.println();
        out.println("ipcq chaos soak: summary");
        out.printf("  seed              %d%n", seed);
        out.printf("  duration          %.1f s (chaos %.1f s, then seal and drain)%n", seconds, chaosSeconds);
        out.printf("  processes         %d producers, %d consumers, %d dead-letter consumer(s) at a time; %d JVMs started%n",
            producers, consumers, deadLetterConsumers, processesStarted);
        out.printf("  kills             %,d   kill -9: %d producers, %d consumers, %d dead-letter consumers; " +
            "%d were the elected reaper, %d were stopped at the time%n",
            kills, producerKills, consumerKills, deadLetterConsumerKills, reaperKills, killsWhileStopped);
        out.printf("  stops             %,d   SIGSTOP then SIGCONT: %d shorter than the heartbeat timeout, %d longer%n",
            shortStops + longStops, shortStops, longStops);
        if (!crashHalts.isEmpty())
        {
            out.printf("  crash points      %,d   halts at an armed protocol step: %s%n", crashHalts(), crashHalts);
        }
        out.printf("  evictions         %,d   participants declared dead while alive (paused), re-attached%n", evictions);
        out.printf("  messages          %,d   logged as sent (trySend answered OK); %,d committed in all " +
            "(%,d sent at a kill, before their log)%n", logged, committed, unloggedDelivered);
        out.printf("  acked             %,d   (%,d of them by an ack in flight when its consumer was killed)%n",
            acked + ackedInFlight, ackedInFlight);
        out.printf("  dead-lettered     %,d   (%,d poison); read from the dead-letter ring %,d times, " +
            "%,d by the final drain%n", deadLettered, poison, deadLetterReads, finalDeadLetterReads);
        out.printf("  lost              %,d%n", lost);
        out.printf("  duplicates        %,d   acked twice %d, delivered after its ack %d, acked and dead-lettered %d; " +
            "dead-lettered twice %d (at-least-once move, tolerated up to one per kill)%n",
            duplicateAcks + deliveredAfterAck + ackedAndDeadLettered, duplicateAcks, deliveredAfterAck,
            ackedAndDeadLettered, deadLetteredTwice);
        out.printf("  payload checks    %,d failed, %,d phantom keys, %,d id mismatches%n",
            corrupt, phantoms, idMismatches);
        out.printf("  deliveries        %,d   redeliveries %,d, late acks fenced %,d, sends answered FULL %,d%n",
            deliveries, redeliveries, fencedLogged, fulls);
        out.printf("  kill -> redelivery  max %s, median %s over %,d leases held by killed consumers " +
            "(max %s when the killed one was not the elected reaper)%n", ms(maxKillToRedeliveryMs),
            ms(medianKillToRedeliveryMs), killRedeliveries, ms(maxKillToRedeliveryNotReaperMs));
        out.printf("  stop -> redelivery  max %s over %,d leases held by consumers stopped past the heartbeat " +
            "timeout%n", ms(maxStopToRedeliveryMs), stopRedeliveries);
        out.printf("  counters          sent %,d, acked %,d, dead-lettered %,d, delivered %,d, redelivered %,d, " +
            "released %,d, expired %,d, revoked from the dead %,d, repaired claims %,d, fenced %,d, " +
            "rejected full %,d%n", counterSent, counterAcked, counterDeadLettered, counterDelivered,
            counterRedelivered, counterReleased, counterExpired, counterRevokedDead, counterRepairedClaims,
            counterFencedAcks, counterRejectedFull);
        final long fromLanes = counterAcked - deadLetterReads;
        out.printf("  counters check    sent %,d vs acked from the lanes %,d + dead-lettered %,d = %,d " +
            "(off by %d; kills %d)%n", counterSent, fromLanes, counterDeadLettered, fromLanes + counterDeadLettered,
            counterSent - fromLanes - counterDeadLettered, kills);
        out.printf("  queue drained     %s%n", drained ? "yes: every lane and the dead-letter ring empty, end of stream" : "NO");
        for (final String example : examples)
        {
            out.println("    " + example);
        }
        if (ok())
        {
            out.println("OK: every message logged as sent was acked exactly once or dead-lettered, none lost, " +
                "counters add up");
        }
        else
        {
            out.println("FAILED:");
            for (final String failure : failures)
            {
                out.println("  - " + failure);
            }
            if (workDirectory != null)
            {
                out.println("  evidence kept in " + workDirectory + " (queue file copy, stats, logs)");
            }
        }
    }

    private static String ms(final double ms)
    {
        return Double.isNaN(ms) ? "-" : String.format("%.0f ms", ms);
    }
}
